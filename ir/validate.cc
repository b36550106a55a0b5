// ir/validate.cc: the verifier. Graph::validate checks the structure (ids, producers, execution order), every
// tensor (constant sizes, quantization parameter counts), and every op: its arity (ir/op_traits.h), its output
// shapes (ir/shape_inference.h) and the dtype rules of its kind, which live here.
#include "ir/validate.h"

#include <cmath>
#include <string>

#include "ir/op_context.h"
#include "ir/op_traits.h"
#include "ir/shape_inference.h"
#include "ir/tflm_decode.h"

namespace tinyopt {
namespace {

bool is_quantized_activation(DType t) { return t == DType::Int8 || t == DType::Int16; }

Expected<void> dtype_error(const OpContext& c, TensorId id, const std::string& expected) {
  return fail(Errc::Unsupported, c.at(id), "dtype {} is not supported here (expected {})",
              dtype_name(c.g.tensor(id).dtype), expected);
}

// Float ops: float weights (or int8 hybrid weights, dequantized by the reader) and float bias. int8: int8
// weights, int32 bias. int16 activations (16x8): int8 weights, int64 bias (int32 accepted, as TFLite does).
Expected<void> check_weighted_dtypes(const OpContext& c) {
  const DType x = c.in(0).dtype, y = c.g.tensor(c.op.outputs[0]).dtype;
  const DType w = c.in(1).dtype;
  if (x == DType::Float32) {
    if (w != DType::Float32 && w != DType::Int8) return dtype_error(c, c.op.inputs[1], "float32 or int8 (hybrid)");
    if (c.has_input(2) && c.in(2).dtype != DType::Float32) return dtype_error(c, c.op.inputs[2], "float32");
    if (y != DType::Float32) return dtype_error(c, c.op.outputs[0], "float32");
    return {};
  }
  if (!is_quantized_activation(x)) return dtype_error(c, c.op.inputs[0], "float32, int8 or int16");
  if (w != DType::Int8) return dtype_error(c, c.op.inputs[1], "int8");
  if (c.has_input(2)) {
    const DType b = c.in(2).dtype;
    if (b != DType::Int32 && !(x == DType::Int16 && b == DType::Int64))
      return dtype_error(c, c.op.inputs[2], x == DType::Int8 ? "int32" : "int32 or int64");
  }
  if (y != x) return dtype_error(c, c.op.outputs[0], std::string(dtype_name(x)));
  return {};
}

// TRANSPOSE_CONV: an int32 output-shape input, then the weighted-op rules on (input 2, weights 1, bias 3).
Expected<void> check_transpose_conv_dtypes(const OpContext& c) {
  if (c.in(0).dtype != DType::Int32) return dtype_error(c, c.op.inputs[0], "int32 (the output shape)");
  const DType x = c.in(2).dtype, w = c.in(1).dtype, y = c.g.tensor(c.op.outputs[0]).dtype;
  if (x == DType::Float32) {
    if (w != DType::Float32) return dtype_error(c, c.op.inputs[1], "float32");
  } else if (is_quantized_activation(x)) {
    if (w != DType::Int8) return dtype_error(c, c.op.inputs[1], "int8");
    if (c.has_input(3)) {
      const DType b = c.in(3).dtype;
      if (b != DType::Int32 && !(x == DType::Int16 && b == DType::Int64))
        return dtype_error(c, c.op.inputs[3], x == DType::Int8 ? "int32" : "int32 or int64");
    }
  } else {
    return dtype_error(c, c.op.inputs[2], "float32, int8 or int16");
  }
  if (y != x) return dtype_error(c, c.op.outputs[0], std::string(dtype_name(x)));
  return {};
}

// SVDF: float throughout, or int8 input/output with int8 feature weights and int8/int16 time weights and state.
Expected<void> check_svdf_dtypes(const OpContext& c) {
  const DType x = c.in(0).dtype, y = c.g.tensor(c.op.outputs[0]).dtype;
  if (x != DType::Float32 && x != DType::Int8) return dtype_error(c, c.op.inputs[0], "float32 or int8");
  if (y != x) return dtype_error(c, c.op.outputs[0], std::string(dtype_name(x)));
  return {};
}

// UNIDIRECTIONAL_SEQUENCE_LSTM: float, or int8 activations (the kernels check weights, biases and states).
Expected<void> check_sequence_lstm_dtypes(const OpContext& c) {
  const DType x = c.in(0).dtype, y = c.g.tensor(c.op.outputs[0]).dtype;
  if (x != DType::Float32 && x != DType::Int8) return dtype_error(c, c.op.inputs[0], "float32 or int8");
  if (y != x) return dtype_error(c, c.op.outputs[0], std::string(dtype_name(x)));
  return {};
}

Expected<void> check_dtypes(const OpContext& c) {
  const DType x = c.in(0).dtype;
  const TensorId out = c.op.outputs[0];
  const DType y = c.g.tensor(out).dtype;
  auto same_as_input = [&](bool allow_ints) -> Expected<void> {
    const bool ok = x == DType::Float32 || is_quantized_activation(x) ||
                    (allow_ints && (x == DType::Int32 || x == DType::Int64 || x == DType::UInt8 || x == DType::Bool));
    if (!ok) return dtype_error(c, c.op.inputs[0], allow_ints ? "a numeric type" : "float32, int8 or int16");
    if (y != x) return dtype_error(c, out, std::string(dtype_name(x)));
    return {};
  };
  switch (c.op.kind) {
    case OpKind::Conv2D: case OpKind::DepthwiseConv2D: case OpKind::FullyConnected:
      return check_weighted_dtypes(c);
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul:
      if (c.in(1).dtype != x) return dtype_error(c, c.op.inputs[1], std::string(dtype_name(x)));
      if (x == DType::Int32) return y == x ? Expected<void>{} : dtype_error(c, out, "int32");
      return same_as_input(false);
    case OpKind::Softmax:
      // int8 input may produce int16 probabilities (TFLite int8 -> int16 softmax).
      if (x == DType::Int8 && y == DType::Int16) return {};
      return same_as_input(false);
    case OpKind::Reshape: case OpKind::Squeeze: case OpKind::Pad: case OpKind::Concatenation:
    case OpKind::Transpose: case OpKind::StridedSlice:
      for (size_t i = 1; c.op.kind == OpKind::Concatenation && i < c.op.inputs.size(); ++i)
        if (c.in(i).dtype != x) return dtype_error(c, c.op.inputs[i], std::string(dtype_name(x)));
      return same_as_input(true);
    case OpKind::Quantize:
      // TFLM also requantizes int16 -> int32 and int32 -> int8/int16 (quantize_common.cc).
      if (x != DType::Float32 && x != DType::Int8 && x != DType::Int16 && x != DType::UInt8 && x != DType::Int32)
        return dtype_error(c, c.op.inputs[0], "float32, int8, int16, int32 or uint8");
      if (y != DType::Int8 && y != DType::Int16 && y != DType::UInt8 && y != DType::Int32)
        return dtype_error(c, out, "int8, int16, int32 or uint8");
      return {};
    case OpKind::TransposeConv: return check_transpose_conv_dtypes(c);
    case OpKind::Svdf: return check_svdf_dtypes(c);
    case OpKind::SequenceLstm: return check_sequence_lstm_dtypes(c);
    case OpKind::Decode: {
      for (size_t i = 0; i < 2; ++i)
        if (c.in(i).dtype != DType::UInt8 || !c.in(i).is_constant)
          return fail(Errc::BadInput, c.at_input(i), "TFLM_DECODE input #{} must be a constant uint8 tensor", i);
      auto ok = check_decode(c.in(0).data, c.in(1).data, c.g.tensor(out), c.at(out));
      if (!ok) return ok.take_error();
      return {};
    }
    case OpKind::Dequantize:
      if (x != DType::Int8 && x != DType::Int16 && x != DType::UInt8 && x != DType::Float16)
        return dtype_error(c, c.op.inputs[0], "int8, int16, uint8 or float16");
      if (y != DType::Float32) return dtype_error(c, out, "float32");
      return {};
    default:
      return same_as_input(false);
  }
}

Expected<void> validate_tensor(const Graph& g, TensorId id) {
  const Tensor& t = g.tensor(id);
  Location loc{.file = g.source, .tensor = t.name};
  std::optional<int64_t> n = checked_num_elements(t.shape);
  if (!n) return fail(Errc::BadInput, loc, "invalid shape {} (negative or too many elements)", shape_to_string(t.shape));
  if (t.is_constant && t.data.size() != static_cast<size_t>(*n) * dtype_size(t.dtype))
    return fail(Errc::BadInput, loc, "constant data has {} bytes but shape {} of {} needs {}", t.data.size(),
                shape_to_string(t.shape), dtype_name(t.dtype), static_cast<size_t>(*n) * dtype_size(t.dtype));
  if (t.quant) {
    const QuantParams& q = *t.quant;
    if (q.scale.empty() || q.scale.size() != q.zero_point.size())
      return fail(Errc::BadInput, loc, "quantization has {} scales and {} zero points", q.scale.size(),
                  q.zero_point.size());
    if (q.per_channel()) {
      if (q.axis < 0 || static_cast<size_t>(q.axis) >= t.shape.size())
        return fail(Errc::BadInput, loc, "quantized dimension {} is outside shape {}", q.axis, shape_to_string(t.shape));
      if (static_cast<int64_t>(q.scale.size()) != t.shape[static_cast<size_t>(q.axis)])
        return fail(Errc::BadInput, loc, "{} per-channel scales but dimension {} has size {}", q.scale.size(), q.axis,
                    t.shape[static_cast<size_t>(q.axis)]);
    }
    for (float s : q.scale)
      if (!(s > 0.0f) || !std::isfinite(s))
        return fail(Errc::BadInput, loc, "quantization scale {} is not a positive finite number", s);
  }
  return {};
}

}  // namespace

Expected<void> check_op_shapes(const Graph& g, int op_index) {
  if (auto ok = check_op_arity(g, op_index); !ok) return ok;
  const OpContext c{g, op_index, g.ops[static_cast<size_t>(op_index)]};
  auto shapes = infer_output_shapes(g, op_index);
  if (!shapes) return shapes.take_error();
  if (auto ok = check_dtypes(c); !ok) return ok;
  const Tensor& out = g.tensor(c.op.outputs[0]);
  if (out.shape != (*shapes)[0])
    return fail(Errc::BadInput, c.at(c.op.outputs[0]), "stored shape {} differs from the inferred shape {}",
                shape_to_string(out.shape), shape_to_string((*shapes)[0]));
  return {};
}


Expected<void> Graph::validate() const {
  const auto n_tensors = static_cast<TensorId>(tensors.size());
  auto in_range = [&](TensorId id) { return id >= 0 && id < n_tensors; };
  for (TensorId id = 0; id < n_tensors; ++id)
    if (Expected<void> ok = validate_tensor(*this, id); !ok) return ok;

  // available[t]: tensor t has a value at this point of execution (graph input, constant, or produced earlier).
  std::vector<char> available(tensors.size(), 0), produced(tensors.size(), 0);
  for (TensorId id : inputs) {
    if (!in_range(id)) return fail(Errc::BadInput, {.file = source}, "graph input refers to tensor {} of {}", id, n_tensors);
    available[static_cast<size_t>(id)] = 1;
  }
  for (TensorId id = 0; id < n_tensors; ++id)
    // Variable tensors (SVDF / LSTM state) hold a value before any op runs: zeros, then the last one written.
    if (tensors[static_cast<size_t>(id)].is_constant || tensors[static_cast<size_t>(id)].is_variable)
      available[static_cast<size_t>(id)] = 1;

  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const int index = static_cast<int>(i);
    for (TensorId id : op.inputs) {
      if (id == kNoTensor) continue;
      if (!in_range(id)) return fail(Errc::BadInput, where(index), "input tensor id {} is out of range (0..{})", id, n_tensors - 1);
      if (!available[static_cast<size_t>(id)]) {
        Location loc = where(index);
        loc.tensor = tensors[static_cast<size_t>(id)].name;
        bool later = false;
        for (size_t j = i; j < ops.size() && !later; ++j)
          for (TensorId o : ops[j].outputs) later |= (o == id);
        if (later) return fail(Errc::BadInput, loc, "input is produced by a later op (graph cycle or bad op order)");
        return fail(Errc::BadInput, loc, "input is never produced (not a graph input, constant or op output)");
      }
    }
    for (TensorId id : op.outputs) {
      if (!in_range(id)) return fail(Errc::BadInput, where(index), "output tensor id {} is out of range (0..{})", id, n_tensors - 1);
      Location loc = where(index);
      loc.tensor = tensors[static_cast<size_t>(id)].name;
      if (produced[static_cast<size_t>(id)] || tensors[static_cast<size_t>(id)].is_constant || is_graph_input(id))
        return fail(Errc::BadInput, loc, "output tensor is written more than once (by another op, or is a constant or graph input)");
      produced[static_cast<size_t>(id)] = 1;
      available[static_cast<size_t>(id)] = 1;
    }
    if (Expected<void> ok = check_op_shapes(*this, index); !ok) return ok;
  }
  for (TensorId id : outputs) {
    if (!in_range(id)) return fail(Errc::BadInput, {.file = source}, "graph output refers to tensor {} of {}", id, n_tensors);
    if (!available[static_cast<size_t>(id)])
      return fail(Errc::BadInput, {.file = source, .tensor = tensors[static_cast<size_t>(id)].name}, "graph output is never produced");
  }
  return {};
}

}  // namespace tinyopt
