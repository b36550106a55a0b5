// ir/op_options.h: typed options of each operator kind, one struct per TFLite options table we read.
// Field meanings follow the TFLite schema (schema.fbs); defaults are the schema's defaults.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

namespace tinyopt {

// Fused activation applied to an op's output (TFLite ActivationFunctionType).
enum class Activation : uint8_t { None, Relu, ReluN1To1, Relu6, Tanh, SignBit };
enum class Padding : uint8_t { Same, Valid };

struct Conv2DOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1, stride_h = 1;
  Activation activation = Activation::None;
  int32_t dilation_w = 1, dilation_h = 1;
  bool operator==(const Conv2DOptions&) const = default;
};

struct DepthwiseConv2DOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1, stride_h = 1;
  int32_t depth_multiplier = 1;
  Activation activation = Activation::None;
  int32_t dilation_w = 1, dilation_h = 1;
  bool operator==(const DepthwiseConv2DOptions&) const = default;
};

struct FullyConnectedOptions {
  Activation activation = Activation::None;
  bool keep_num_dims = false;               // output keeps the input's rank instead of [batch, units]
  bool asymmetric_quantize_inputs = false;  // hybrid-kernel flag, kept for round trips
  bool operator==(const FullyConnectedOptions&) const = default;
};

// AVERAGE_POOL_2D and MAX_POOL_2D.
struct Pool2DOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1, stride_h = 1;
  int32_t filter_w = 1, filter_h = 1;
  Activation activation = Activation::None;
  bool operator==(const Pool2DOptions&) const = default;
};

// ADD, SUB, MUL.
struct ElementwiseOptions {
  Activation activation = Activation::None;
  bool pot_scale_int16 = true;  // ADD/SUB int16: power-of-two scales (schema default true)
  bool operator==(const ElementwiseOptions&) const = default;
};

struct ReshapeOptions {
  std::vector<int32_t> new_shape;  // may be empty: the shape then comes from input 1 or the output tensor
  bool operator==(const ReshapeOptions&) const = default;
};

struct SqueezeOptions {
  std::vector<int32_t> squeeze_dims;  // empty: every dimension of size 1
  bool operator==(const SqueezeOptions&) const = default;
};

struct SoftmaxOptions {
  float beta = 1.0f;
  bool operator==(const SoftmaxOptions&) const = default;
};

struct LeakyReluOptions {
  float alpha = 0.0f;
  bool operator==(const LeakyReluOptions&) const = default;
};

struct ConcatenationOptions {
  int32_t axis = 0;  // may be negative (counts from the end)
  Activation activation = Activation::None;
  bool operator==(const ConcatenationOptions&) const = default;
};

// MEAN (TFLite ReducerOptions).
struct ReducerOptions {
  bool keep_dims = false;
  bool operator==(const ReducerOptions&) const = default;
};

struct StridedSliceOptions {
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;  // end = begin + end (TFLite 2.14+)
  bool operator==(const StridedSliceOptions&) const = default;
};

// TRANSPOSE_CONV. TFLM's kernels ignore the fused activation (version 4+ field), which is kept for round trips.
struct TransposeConvOptions {
  Padding padding = Padding::Same;
  int32_t stride_w = 1, stride_h = 1;
  Activation activation = Activation::None;
  bool operator==(const TransposeConvOptions&) const = default;
};

// SVDF: num_units = num_filters / rank.
struct SvdfOptions {
  int32_t rank = 1;
  Activation activation = Activation::None;
  bool asymmetric_quantize_inputs = false;  // hybrid-kernel flag, kept for round trips
  bool operator==(const SvdfOptions&) const = default;
};

// UNIDIRECTIONAL_SEQUENCE_LSTM. `activation` is the cell gate's (and cell output's) nonlinearity, TANH in
// practice; a clip of 0 means none.
struct SequenceLstmOptions {
  Activation activation = Activation::None;
  float cell_clip = 0.0f, proj_clip = 0.0f;
  bool time_major = false;  // input [time, batch, features] instead of [batch, time, features]
  bool asymmetric_quantize_inputs = false, diagonal_recurrent_tensors = false;  // kept for round trips
  bool operator==(const SequenceLstmOptions&) const = default;
};

// Ops without options (RELU, PAD, QUANTIZE, ...) hold std::monostate.
using OpOptions = std::variant<std::monostate, Conv2DOptions, DepthwiseConv2DOptions, FullyConnectedOptions,
                               Pool2DOptions, ElementwiseOptions, ReshapeOptions, SqueezeOptions, SoftmaxOptions,
                               LeakyReluOptions, ConcatenationOptions, ReducerOptions, StridedSliceOptions,
                               TransposeConvOptions, SvdfOptions, SequenceLstmOptions>;

const char* activation_name(Activation a);  // "NONE", "RELU", "RELU6", ...
const char* padding_name(Padding p);        // "SAME", "VALID"

}  // namespace tinyopt
