// runtime/quantized_prepare.h: what every integer kernel's prepare step needs from the graph: checked access to
// an op's tensors and their per-tensor quantization, the fused-activation clamp in the output's integer domain,
// 4-D shape views, the Unsupported error that names op index, op and dtypes, and the operand checks, window
// geometry and output stage that CONV_2D and DEPTHWISE_CONV_2D share.
// The arithmetic itself lives in runtime/fixed_point.h; the kernels in runtime/kernels/*_int8.cc.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"
#include "ir/window_geometry.h"  // window_dim: SAME/VALID output size and padding

namespace tinyopt {

// Per-tensor affine parameters of an integer tensor.
struct TensorQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Tensor `index` of op `op_index`'s inputs, or nullptr when absent (kNoTensor) or out of range.
const Tensor* op_input(const Graph& g, int op_index, size_t index);
// The bytes of input `index` known at prepare time: a constant's data, or what the TFLM_DECODE op writing it
// decodes from its constants (ir/tflm_decode.h). An error names the op and tensor when the input is neither.
Expected<std::vector<uint8_t>> known_input(const Graph& g, int op_index, size_t index, const std::string& what);
const Tensor* op_output(const Graph& g, int op_index, size_t index);

// "int8 x int8 -> int16" style description of the op's dtypes, for error messages.
std::string op_dtypes(const Graph& g, int op_index);

// Errc::Unsupported naming the op and its dtypes: "<what>: int16 x int8 -> int8".
Error unsupported_dtypes(const Graph& g, int op_index, const std::string& what);
// Errc::BadInput at op `op_index` (and tensor `t` when given).
Error bad_op(const Graph& g, int op_index, const Tensor* t, const std::string& message);

// The per-tensor quantization of `t` (an error when missing, or per-channel where per-tensor is required).
Expected<TensorQuant> per_tensor_quant(const Graph& g, int op_index, const Tensor* t);

// Fused activation clamp for an integer output: [qmin, qmax] of the dtype, tightened to quantize(0), quantize(6),
// quantize(+-1) as TFLM computes them (zero_point + round(f / scale) in float).
std::pair<int32_t, int32_t> activation_range(Activation act, DType out_dtype, TensorQuant out);
// [min, max] of an integer dtype (int8, int16).
std::pair<int32_t, int32_t> dtype_range(DType t);

// Shape padded on the left with 1s to rank 4 ([N, H, W, C] for 4-D tensors).
std::array<int, 4> extend_to_4d(const Shape& s);

}  // namespace tinyopt

namespace tinyopt {

// Per-output-channel multipliers of CONV_2D / DEPTHWISE_CONV_2D / per-channel FULLY_CONNECTED (TFLM
// PopulateConvolutionQuantizationParams): input_scale * filter_scale[c] / output_scale in double, then
// quantize_multiplier. A per-tensor filter scale is broadcast to `channels`. Errors name the filter tensor.
struct ChannelMultipliers {
  std::vector<int32_t> multiplier;
  std::vector<int> shift;
};
Expected<ChannelMultipliers> per_channel_multipliers(const Graph& g, int op_index, TensorQuant in, const Tensor& filter,
                                                     TensorQuant out, int channels);

// Bias values of a quantized op widened to int64 (int32 bias for int8, int32 or int64 bias for 16x8); empty when
// the op has no bias. `bias_input` is the bias's input position (TRANSPOSE_CONV: 3). Errors: wrong dtype or
// element count.
Expected<std::vector<int64_t>> bias_values(const Graph& g, int op_index, const Tensor* bias, int channels,
                                           size_t bias_input = 2);

// The operands of an integer CONV_2D / DEPTHWISE_CONV_2D: int8 (or int16, "16x8") input and output of one dtype, a
// constant int8 filter, all 4-D, and the optional bias. `op_name` ("CONV_2D") names the op in the messages.
struct ConvOperands {
  const Tensor* in = nullptr;
  const Tensor* filter = nullptr;
  const Tensor* bias = nullptr;  // nullptr when absent
  const Tensor* out = nullptr;
  bool int16 = false;            // 16x8: int16 activations
};
Expected<ConvOperands> conv_operands(const Graph& g, int op_index, const std::string& op_name);

// The window geometry CONV_2D and DEPTHWISE_CONV_2D share: the input NHWC, positive strides and dilations,
// TFLite's leading padding (ir/window_geometry.h), and an output [batches, out_h, out_w, out_c] that matches them;
// `what` ("convolution") names the op in the mismatch message.
struct ConvWindow {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;  // input NHWC
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_h = 0, pad_w = 0;  // leading padding
  int out_h = 0, out_w = 0;
};
struct ConvWindowOptions {
  Padding padding = Padding::Same;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
};
Expected<ConvWindow> prepare_conv_window(const Graph& g, int op_index, const ConvOperands& t, ConvWindowOptions o,
                                         int filter_h, int filter_w, int out_c, const std::string& what);

// The output stage CONV_2D and DEPTHWISE_CONV_2D share: input/output offsets, the fused-activation clamp, per-channel
// multipliers/shifts and the bias. `int16_zero_point_error` is the message when a 16x8 op (int16 input) has a
// non-zero zero point, which TFLM's 16x8 kernels do not accept.
struct ConvOutputStage {
  int32_t input_offset = 0, output_offset = 0;  // -input zero point, +output zero point
  int32_t act_min = 0, act_max = 0;
  std::vector<int32_t> multiplier;
  std::vector<int> shift;
  std::vector<int64_t> bias;
};
Expected<ConvOutputStage> prepare_conv_output_stage(const Graph& g, int op_index, const Tensor* in, const Tensor& filter,
                                                    const Tensor* bias, const Tensor* out, int channels,
                                                    Activation activation, bool int16,
                                                    const std::string& int16_zero_point_error);

// prepare_conv_window, then prepare_conv_output_stage, into the op's parameters (which derive from both).
struct ConvPrepareSpec {
  ConvWindowOptions window;
  int filter_h = 0, filter_w = 0, out_c = 0;
  Activation activation = Activation::None;
  std::string what;                    // "convolution", for the output-shape mismatch
  std::string int16_zero_point_error;  // as for prepare_conv_output_stage
};
Expected<void> prepare_conv_window_and_stage(const Graph& g, int op_index, const ConvOperands& t,
                                             const ConvPrepareSpec& spec, ConvWindow& window, ConvOutputStage& stage);

}  // namespace tinyopt
