// formats/tflite/op_version.cc: TFLite operator versions and minimum runtime versions for tinyopt's ops.
//
// Facts from TFLite's versioning rules (op_version.cc and runtime_version.cc), restricted to the dtypes
// tinyopt produces (float32, int8, int16 activations; int8 weights, int32 biases):
//   CONV_2D: int8 in/weights/out 3; int16 in + int8 weights 4; float in + int8 weights (hybrid) 2, per-channel 5.
//   DEPTHWISE_CONV_2D: int8 3; int16 5; hybrid 4 (per-channel 6); float with dilation != 1: 2.
//   FULLY_CONNECTED: no bias 6; keep_num_dims 5; int8 4; int16 7; hybrid 3 (asymmetric inputs 9).
//   ADD/SUB/MUL, pools, CONCATENATION, PAD, MEAN, SOFTMAX, RELU6, LOGISTIC, TANH, TRANSPOSE, STRIDED_SLICE:
//   int8 input 2; int16 3 for most (ADD int16 with pot_scale_int16=false 3, SUB 5, MUL int16 4, RELU int16 3).
//   QUANTIZE: int16 output 2, per-channel 3. DEQUANTIZE: int8 input 2, int16/float16 input 3.
//   LEAKY_RELU int16 2. RESHAPE, SQUEEZE, HARD_SWISH: 1.
//   TRANSPOSE_CONV: fused activation 4; bias input or int16 input 3; int8 2. SVDF: int8 3; hybrid 2 (asymmetric
//   inputs 4). UNIDIRECTIONAL_SEQUENCE_LSTM: diagonal recurrent tensors 4; hybrid 2 (asymmetric 3); else 1.
#include "formats/tflite/op_version.h"

#include <charconv>
#include <map>
#include <utility>

namespace tinyopt::tflite_format {
namespace {

DType dtype_at(const Graph& g, const std::vector<TensorId>& ids, size_t i, DType fallback = DType::Float32) {
  if (i >= ids.size() || ids[i] < 0 || static_cast<size_t>(ids[i]) >= g.tensors.size()) return fallback;
  return g.tensors[static_cast<size_t>(ids[i])].dtype;
}

bool per_channel(const Graph& g, TensorId id) {
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return false;
  const auto& q = g.tensors[static_cast<size_t>(id)].quant;
  return q && q->per_channel();
}

size_t rank_of(const Graph& g, TensorId id) {
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return 0;
  return g.tensors[static_cast<size_t>(id)].shape.size();
}

}  // namespace

int op_version(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const DType in = dtype_at(g, op.inputs, 0), w = dtype_at(g, op.inputs, 1, in), out = dtype_at(g, op.outputs, 0);
  const bool hybrid = in == DType::Float32 && w == DType::Int8 && out == DType::Float32;
  auto by_dtype = [&](int int8_version, int int16_version) {
    if (in == DType::Int16) return int16_version;
    if (in == DType::Int8) return int8_version;
    return 1;
  };
  switch (op.kind) {
    case OpKind::Conv2D:
      if (in == DType::Int16 && w == DType::Int8) return 4;
      if (in == DType::Int8 && w == DType::Int8 && out == DType::Int8) return 3;
      if (hybrid) return per_channel(g, op.input(1)) ? 5 : 2;
      return 1;
    case OpKind::DepthwiseConv2D: {
      if (in == DType::Int16) return 5;
      if (hybrid) return per_channel(g, op.input(1)) ? 6 : 4;
      if (in == DType::Int8 && w == DType::Int8 && out == DType::Int8) return 3;
      const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options);
      if (o && (o->dilation_w != 1 || o->dilation_h != 1)) return 2;
      return 1;
    }
    case OpKind::FullyConnected: {
      const auto* o = std::get_if<FullyConnectedOptions>(&op.options);
      if (in == DType::Int16 && w == DType::Int16) return 7;
      if (op.inputs.size() == 2) return 6;  // an absent bias stored as -1 still counts as an input
      if (o && o->keep_num_dims) return 5;
      if (in == DType::Int8 && w == DType::Int8 && out == DType::Int8) return 4;
      if (hybrid) return o && o->asymmetric_quantize_inputs ? 9 : 3;
      return 1;
    }
    case OpKind::Add: {
      const auto* o = std::get_if<ElementwiseOptions>(&op.options);
      if (in == DType::Int16 && out == DType::Int16 && o && !o->pot_scale_int16) return 3;
      return in == DType::Int8 ? 2 : 1;
    }
    case OpKind::Sub: {
      const auto* o = std::get_if<ElementwiseOptions>(&op.options);
      if (in == DType::Int16 && out == DType::Int16 && o && !o->pot_scale_int16) return 5;
      if (in == DType::Int8) return 2;
      if (rank_of(g, op.input(0)) > 4 || rank_of(g, op.input(1)) > 4) return 3;
      return 1;
    }
    case OpKind::Mul: return by_dtype(2, 4);
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D:
    case OpKind::Concatenation:
    case OpKind::Mean:
    case OpKind::Softmax:
    case OpKind::Relu6:
    case OpKind::Logistic:
    case OpKind::Tanh:
    case OpKind::Relu: return by_dtype(2, 3);
    case OpKind::Pad: return rank_of(g, op.input(0)) > 4 ? 4 : by_dtype(2, 3);
    case OpKind::Transpose:
      if (in == DType::Int16) return 5;
      if (rank_of(g, op.input(0)) > 4) return 4;
      return by_dtype(2, 5);
    case OpKind::StridedSlice: {
      const auto* o = std::get_if<StridedSliceOptions>(&op.options);
      if (o && o->offset) return 8;
      if (o && (o->ellipsis_mask != 0 || o->new_axis_mask != 0)) return 6;
      if (rank_of(g, op.input(0)) > 4) return 4;
      return by_dtype(2, 1);
    }
    case OpKind::LeakyRelu: return in == DType::Int16 ? 2 : 1;
    case OpKind::Quantize:
      if (per_channel(g, op.outputs.empty() ? kNoTensor : op.outputs[0])) return 3;
      return out == DType::Int16 ? 2 : 1;
    case OpKind::Dequantize:
      if (in == DType::Int16 || in == DType::Float16) return 3;
      if (in == DType::Int8) return per_channel(g, op.input(0)) ? 5 : 2;
      return 1;
    case OpKind::TransposeConv: {
      const DType x = dtype_at(g, op.inputs, 2);
      const auto* o = std::get_if<TransposeConvOptions>(&op.options);
      if (o && o->activation != Activation::None) return 4;
      if (x == DType::Int16 || op.input(3) != kNoTensor) return 3;
      return x == DType::Int8 ? 2 : 1;
    }
    case OpKind::Svdf: {
      const auto* o = std::get_if<SvdfOptions>(&op.options);
      if (in == DType::Int8) return 3;
      if (hybrid) return o && o->asymmetric_quantize_inputs ? 4 : 2;
      return 1;
    }
    case OpKind::SequenceLstm: {
      const auto* o = std::get_if<SequenceLstmOptions>(&op.options);
      const DType wf = dtype_at(g, op.inputs, 2, in);  // input-to-forget weights (input 1 is optional)
      if (o && o->diagonal_recurrent_tensors) return 4;
      if (in == DType::Float32 && wf == DType::Int8) return o && o->asymmetric_quantize_inputs ? 3 : 2;
      return 1;
    }
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::HardSwish:
    case OpKind::Decode: return 1;
  }
  return 1;
}

std::string_view min_runtime_for(OpKind kind, int version) {
  // (kind, version) -> first TFLite release with that kernel version (runtime_version.cc).
  static const std::map<std::pair<OpKind, int>, std::string_view> kTable = {
      {{OpKind::AveragePool2D, 1}, "1.5.0"}, {{OpKind::AveragePool2D, 2}, "1.14.0"}, {{OpKind::AveragePool2D, 3}, "2.3.0"},
      {{OpKind::Conv2D, 1}, "1.5.0"}, {{OpKind::Conv2D, 2}, "1.14.0"}, {{OpKind::Conv2D, 3}, "1.14.0"},
      {{OpKind::Conv2D, 4}, "2.3.0"}, {{OpKind::Conv2D, 5}, "2.4.0"},
      {{OpKind::DepthwiseConv2D, 1}, "1.5.0"}, {{OpKind::DepthwiseConv2D, 2}, "1.12.0"},
      {{OpKind::DepthwiseConv2D, 3}, "1.14.0"}, {{OpKind::DepthwiseConv2D, 4}, "2.2.0"},
      {{OpKind::DepthwiseConv2D, 5}, "2.3.0"}, {{OpKind::DepthwiseConv2D, 6}, "2.3.0"},
      {{OpKind::Add, 1}, "1.5.0"}, {{OpKind::Add, 2}, "1.14.0"}, {{OpKind::Add, 3}, "2.4.0"},
      {{OpKind::Sub, 1}, "1.6.0"}, {{OpKind::Sub, 2}, "1.14.0"}, {{OpKind::Sub, 3}, "2.3.0"}, {{OpKind::Sub, 5}, "2.4.0"},
      {{OpKind::Mul, 1}, "1.5.0"}, {{OpKind::Mul, 2}, "1.14.0"}, {{OpKind::Mul, 4}, "2.3.0"},
      {{OpKind::Concatenation, 1}, "1.5.0"}, {{OpKind::Concatenation, 2}, "1.14.0"}, {{OpKind::Concatenation, 3}, "2.3.0"},
      {{OpKind::FullyConnected, 1}, "1.5.0"}, {{OpKind::FullyConnected, 3}, "1.14.0"},
      {{OpKind::FullyConnected, 4}, "1.14.0"}, {{OpKind::FullyConnected, 5}, "2.0.0"},
      {{OpKind::FullyConnected, 6}, "2.1.0"}, {{OpKind::FullyConnected, 7}, "2.3.0"}, {{OpKind::FullyConnected, 9}, "2.3.0"},
      {{OpKind::MaxPool2D, 1}, "1.5.0"}, {{OpKind::MaxPool2D, 2}, "1.14.0"}, {{OpKind::MaxPool2D, 3}, "2.3.0"},
      {{OpKind::Pad, 1}, "1.5.0"}, {{OpKind::Pad, 2}, "1.14.0"}, {{OpKind::Pad, 3}, "2.4.0"}, {{OpKind::Pad, 4}, "2.6.0"},
      {{OpKind::Reshape, 1}, "1.5.0"},
      {{OpKind::Softmax, 1}, "1.5.0"}, {{OpKind::Softmax, 2}, "1.14.0"}, {{OpKind::Softmax, 3}, "2.3.0"},
      {{OpKind::Transpose, 1}, "1.6.0"}, {{OpKind::Transpose, 2}, "1.14.0"}, {{OpKind::Transpose, 4}, "2.3.0"},
      {{OpKind::Transpose, 5}, "2.4.0"},
      {{OpKind::Mean, 1}, "1.6.0"}, {{OpKind::Mean, 2}, "1.14.0"}, {{OpKind::Mean, 3}, "2.4.0"},
      {{OpKind::Relu6, 1}, "1.5.0"}, {{OpKind::Relu6, 2}, "1.14.0"}, {{OpKind::Relu6, 3}, "2.5.0"},
      {{OpKind::Relu, 1}, "1.5.0"}, {{OpKind::Relu, 2}, "2.1.0"}, {{OpKind::Relu, 3}, "2.5.0"},
      {{OpKind::Squeeze, 1}, "1.6.0"},
      {{OpKind::StridedSlice, 1}, "1.6.0"}, {{OpKind::StridedSlice, 2}, "1.14.0"}, {{OpKind::StridedSlice, 4}, "2.2.0"},
      {{OpKind::StridedSlice, 6}, "2.6.0"},
      {{OpKind::Tanh, 1}, "1.14.0"}, {{OpKind::Tanh, 2}, "1.14.0"}, {{OpKind::Tanh, 3}, "2.3.0"},
      {{OpKind::Logistic, 1}, "1.14.0"}, {{OpKind::Logistic, 2}, "1.14.0"}, {{OpKind::Logistic, 3}, "2.3.0"},
      {{OpKind::LeakyRelu, 1}, "1.13.1"}, {{OpKind::LeakyRelu, 2}, "2.3.0"},
      {{OpKind::Dequantize, 1}, "1.13.1"}, {{OpKind::Dequantize, 2}, "1.14.0"}, {{OpKind::Dequantize, 3}, "1.15.0"},
      {{OpKind::Dequantize, 5}, "2.7.0"},
      {{OpKind::Quantize, 1}, "1.14.0"}, {{OpKind::Quantize, 2}, "1.15.0"}, {{OpKind::Quantize, 3}, "2.7.0"},
      {{OpKind::HardSwish, 1}, "1.15.0"},
      {{OpKind::TransposeConv, 1}, "1.9.0"}, {{OpKind::TransposeConv, 2}, "2.2.0"},
      {{OpKind::TransposeConv, 3}, "2.3.0"},
      {{OpKind::Svdf, 1}, "1.5.0"}, {{OpKind::Svdf, 2}, "1.14.0"}, {{OpKind::Svdf, 3}, "2.2.0"},
      {{OpKind::Svdf, 4}, "2.3.0"},
      {{OpKind::SequenceLstm, 1}, "1.13.1"}, {{OpKind::SequenceLstm, 2}, "1.14.0"},
      {{OpKind::SequenceLstm, 3}, "2.3.0"},
      {{OpKind::Decode, 1}, "1.5.0"},  // a TFLite Micro custom op: it asks nothing of the TFLite runtime version
  };
  auto it = kTable.find({kind, version});
  // Pairs missing from the table are recent kernel versions: their exact release is not recorded here.
  return it == kTable.end() ? std::string_view("2.7.0") : it->second;
}

bool runtime_version_less(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto take = [](std::string_view& s) {
      int v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc()) v = 0;
      size_t used = static_cast<size_t>(ptr - s.data());
      size_t dot = s.find('.', used);
      s = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
      return v;
    };
    int x = take(a), y = take(b);
    if (x != y) return x < y;
  }
  return false;
}

}  // namespace tinyopt::tflite_format
