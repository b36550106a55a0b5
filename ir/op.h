// ir/op.h: one operator of a graph: its kind, typed options and tensor ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ir/op_options.h"

namespace tinyopt {

// The operator kinds tinyopt reads, runs and writes. Names and meanings are TFLite's builtin operators, except
// Decode: TFLite Micro's custom operator TFLM_DECODE (inputs: encoded constant, ancillary constant; output: the
// decoded tensor; encodings in ir/tflm_decode.h). TransposeConv, Svdf and SequenceLstm (UNIDIRECTIONAL_SEQUENCE_LSTM)
// are the recurrent / audio ops; SVDF and the LSTM read and write variable (state) tensors among their inputs.
enum class OpKind : uint8_t {
  Conv2D, DepthwiseConv2D, FullyConnected, Add, Sub, Mul, AveragePool2D, MaxPool2D, Mean, Reshape, Squeeze,
  Softmax, Logistic, Tanh, Relu, Relu6, LeakyRelu, HardSwish, Pad, Concatenation, Transpose, StridedSlice,
  Quantize, Dequantize, TransposeConv, Svdf, SequenceLstm, Decode,
};
inline constexpr int kNumOpKinds = static_cast<int>(OpKind::Decode) + 1;

// "CONV_2D", "DEPTHWISE_CONV_2D", ... (TFLite's BuiltinOperator names; "TFLM_DECODE" for Decode).
std::string_view op_kind_name(OpKind k);
std::optional<OpKind> op_kind_from_name(std::string_view name);

// Index of a tensor in Graph::tensors; kNoTensor marks an absent optional input (TFLite's -1, e.g. no bias).
using TensorId = int32_t;
inline constexpr TensorId kNoTensor = -1;

struct Op {
  OpKind kind = OpKind::Relu;
  OpOptions options;              // the struct matching `kind`, or monostate
  std::vector<TensorId> inputs;   // may contain kNoTensor for absent optional inputs
  std::vector<TensorId> outputs;
  std::vector<TensorId> intermediates{};  // TFLite's operator intermediates (LSTM gate scales), kept for round trips
  int32_t version = 1;            // operator-code version as read; the writer recomputes what it needs

  template <class T> const T& opts() const { return std::get<T>(options); }
  template <class T> T& opts() { return std::get<T>(options); }
  TensorId input(size_t i) const { return i < inputs.size() ? inputs[i] : kNoTensor; }
};

}  // namespace tinyopt
