// runtime/quantized_prepare.cc: shared prepare-step helpers of the integer kernels (see quantized_prepare.h).
#include "runtime/quantized_prepare.h"

#include <tuple>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op.h"
#include "ir/tflm_decode.h"

namespace tinyopt {

const Tensor* op_input(const Graph& g, int op_index, size_t index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const TensorId id = op.input(index);
  if (id == kNoTensor || id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return nullptr;
  return &g.tensor(id);
}

const Tensor* op_output(const Graph& g, int op_index, size_t index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  if (index >= op.outputs.size()) return nullptr;
  const TensorId id = op.outputs[index];
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return nullptr;
  return &g.tensor(id);
}

std::string op_dtypes(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  std::string s;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (i) s += " x ";
    const Tensor* t = op_input(g, op_index, i);
    s += t ? std::string(dtype_name(t->dtype)) : std::string("none");
  }
  s += " ->";
  for (size_t i = 0; i < op.outputs.size(); ++i) {
    const Tensor* t = op_output(g, op_index, i);
    s += " ";
    s += t ? std::string(dtype_name(t->dtype)) : std::string("?");
  }
  return s;
}

Error unsupported_dtypes(const Graph& g, int op_index, const std::string& what) {
  Location where = g.where(op_index);
  return fail(Errc::Unsupported, std::move(where), "{}: {}", what, op_dtypes(g, op_index));
}

Error bad_op(const Graph& g, int op_index, const Tensor* t, const std::string& message) {
  Location where = g.where(op_index);
  if (t) where.tensor = t->name;
  return fail(Errc::BadInput, std::move(where), "{}", message);
}

Expected<TensorQuant> per_tensor_quant(const Graph& g, int op_index, const Tensor* t) {
  if (!t) return bad_op(g, op_index, nullptr, "missing tensor");
  if (!t->quant || t->quant->scale.empty() || t->quant->zero_point.empty())
    return bad_op(g, op_index, t, "integer tensor has no quantization parameters");
  if (t->quant->scale.size() != 1)
    return bad_op(g, op_index, t, fmt::format("expected per-tensor quantization, found {} scales", t->quant->scale.size()));
  const float scale = t->quant->scale[0];
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return bad_op(g, op_index, t, fmt::format("quantization scale {} is not a positive finite number", scale));
  const int64_t zp = t->quant->zero_point[0];
  if (zp < std::numeric_limits<int32_t>::min() || zp > std::numeric_limits<int32_t>::max())
    return bad_op(g, op_index, t, fmt::format("zero point {} out of range", zp));
  return TensorQuant{scale, static_cast<int32_t>(zp)};
}

std::pair<int32_t, int32_t> dtype_range(DType t) {
  switch (t) {
    case DType::Int8: return {-128, 127};
    case DType::Int16: return {-32768, 32767};
    case DType::UInt8: return {0, 255};
    default: return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
  }
}

std::pair<int32_t, int32_t> activation_range(Activation act, DType out_dtype, TensorQuant out) {
  const auto [qmin, qmax] = dtype_range(out_dtype);
  // TFLM: zero_point + static_cast<int32_t>(round(f / scale)), the division in float.
  auto quantize = [&](float f) { return out.zero_point + static_cast<int32_t>(std::round(f / out.scale)); };
  switch (act) {
    case Activation::Relu: return {std::max(qmin, quantize(0.0f)), qmax};
    case Activation::Relu6: return {std::max(qmin, quantize(0.0f)), std::min(qmax, quantize(6.0f))};
    case Activation::ReluN1To1: return {std::max(qmin, quantize(-1.0f)), std::min(qmax, quantize(1.0f))};
    default: return {qmin, qmax};
  }
}

std::array<int, 4> extend_to_4d(const Shape& s) {
  std::array<int, 4> r{1, 1, 1, 1};
  const size_t n = std::min<size_t>(s.size(), 4);
  for (size_t i = 0; i < n; ++i) r[4 - n + i] = s[s.size() - n + i];
  return r;
}

}  // namespace tinyopt

#include "runtime/fixed_point.h"

namespace tinyopt {

Expected<ChannelMultipliers> per_channel_multipliers(const Graph& g, int op_index, TensorQuant in, const Tensor& filter,
                                                     TensorQuant out, int channels) {
  if (!filter.quant || filter.quant->scale.empty())
    return bad_op(g, op_index, &filter, "filter has no quantization parameters");
  const auto& scales = filter.quant->scale;
  if (scales.size() != 1 && scales.size() != static_cast<size_t>(channels))
    return bad_op(g, op_index, &filter,
                  fmt::format("filter has {} scales but the op has {} output channels", scales.size(), channels));
  ChannelMultipliers m;
  m.multiplier.resize(static_cast<size_t>(channels));
  m.shift.resize(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const float s = scales.size() == 1 ? scales[0] : scales[static_cast<size_t>(c)];
    // TFLite int8 spec: bias scale = s_in * s_w[c]; the accumulator is rescaled by s_in * s_w[c] / s_out.
    const double real = static_cast<double>(in.scale) * static_cast<double>(s) / static_cast<double>(out.scale);
    const fxp::QuantizedMultiplier q = fxp::quantize_multiplier(real);
    if (q.shift > 30)
      return bad_op(g, op_index, &filter, fmt::format("rescale factor {} of channel {} is too large", real, c));
    m.multiplier[static_cast<size_t>(c)] = q.multiplier;
    m.shift[static_cast<size_t>(c)] = q.shift;
  }
  return m;
}

Expected<std::vector<uint8_t>> known_input(const Graph& g, int op_index, size_t index, const std::string& what) {
  const TensorId id = g.ops.at(static_cast<size_t>(op_index)).input(index);
  auto v = known_value(g, id);
  if (!v) return v.take_error();
  if (!*v) return bad_op(g, op_index, op_input(g, op_index, index), what + " must be constant (or TFLM_DECODE of constants)");
  return std::move(**v);
}

Expected<std::vector<int64_t>> bias_values(const Graph& g, int op_index, const Tensor* bias, int channels,
                                           size_t bias_input) {
  std::vector<int64_t> v;
  if (!bias) return v;
  auto bytes = known_input(g, op_index, bias_input, "bias");
  if (!bytes) return bytes.take_error();
  Tensor known = *bias;  // a view of the bias as a constant, so the typed accessors below read its value
  known.data = std::move(*bytes);
  if (bias->num_elements() != channels)
    return bad_op(g, op_index, bias,
                  fmt::format("bias has {} elements but the op has {} output channels", bias->num_elements(), channels));
  if (bias->dtype == DType::Int32) {
    for (int32_t x : known.values<int32_t>()) v.push_back(x);
  } else if (bias->dtype == DType::Int64) {
    for (int64_t x : known.values<int64_t>()) v.push_back(x);
  } else if (bias->dtype == DType::Int16) {  // TRANSPOSE_CONV 16x8 accepts int16 biases (widened by TFLM)
    for (int16_t x : known.values<int16_t>()) v.push_back(x);
  } else {
    return bad_op(g, op_index, bias, fmt::format("bias dtype {} is not int32/int64", dtype_name(bias->dtype)));
  }
  if (v.size() != static_cast<size_t>(channels)) return bad_op(g, op_index, bias, "bias data size does not match its shape");
  return v;
}

Expected<ConvOperands> conv_operands(const Graph& g, int op_index, const std::string& op_name) {
  ConvOperands t{op_input(g, op_index, 0), op_input(g, op_index, 1), op_input(g, op_index, 2),
                 op_output(g, op_index, 0)};
  if (!t.in || !t.filter || !t.out)
    return bad_op(g, op_index, nullptr, op_name + " needs input, filter and output tensors");
  t.int16 = t.in->dtype == DType::Int16;
  if ((t.in->dtype != DType::Int8 && !t.int16) || t.filter->dtype != DType::Int8 || t.out->dtype != t.in->dtype)
    return unsupported_dtypes(g, op_index, "no integer " + op_name + " kernel for");
  if (t.in->shape.size() != 4 || t.filter->shape.size() != 4 || t.out->shape.size() != 4)
    return bad_op(g, op_index, t.in, op_name + " needs 4-D input, filter and output");
  if (!is_known_constant(g, g.ops[static_cast<size_t>(op_index)].input(1)))
    return bad_op(g, op_index, t.filter, "filter must be constant (or TFLM_DECODE of constants)");
  return t;
}

Expected<ConvWindow> prepare_conv_window(const Graph& g, int op_index, const ConvOperands& t, ConvWindowOptions o,
                                         int filter_h, int filter_w, int out_c, const std::string& what) {
  const Shape& x = t.in->shape;
  const Shape& y = t.out->shape;
  ConvWindow w{x[0], x[1], x[2], x[3], o.stride_h, o.stride_w, o.dilation_h, o.dilation_w};
  if (w.stride_h <= 0 || w.stride_w <= 0 || w.dilation_h <= 0 || w.dilation_w <= 0)
    return bad_op(g, op_index, nullptr, "strides and dilations must be positive");
  const WindowDim ph = window_dim(o.padding, x[1], filter_h, w.stride_h, w.dilation_h);
  const WindowDim pw = window_dim(o.padding, x[2], filter_w, w.stride_w, w.dilation_w);
  w.pad_h = ph.pad_before;
  w.pad_w = pw.pad_before;
  w.out_h = y[1];
  w.out_w = y[2];
  if (w.out_h != ph.out || w.out_w != pw.out || y[3] != out_c || y[0] != x[0])
    return bad_op(g, op_index, t.out, "output shape does not match the " + what);
  return w;
}

Expected<ConvOutputStage> prepare_conv_output_stage(const Graph& g, int op_index, const Tensor* in, const Tensor& filter,
                                                    const Tensor* bias, const Tensor* out, int channels,
                                                    Activation activation, bool int16,
                                                    const std::string& int16_zero_point_error) {
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  if (int16 && (qi->zero_point != 0 || qo->zero_point != 0)) return bad_op(g, op_index, in, int16_zero_point_error);
  ConvOutputStage s;
  s.input_offset = -qi->zero_point;
  s.output_offset = qo->zero_point;
  std::tie(s.act_min, s.act_max) = activation_range(activation, out->dtype, *qo);
  auto m = per_channel_multipliers(g, op_index, *qi, filter, *qo, channels);
  if (!m) return m.take_error();
  s.multiplier = std::move(m->multiplier);
  s.shift = std::move(m->shift);
  auto b = bias_values(g, op_index, bias, channels);
  if (!b) return b.take_error();
  s.bias = std::move(*b);
  return s;
}

Expected<void> prepare_conv_window_and_stage(const Graph& g, int op_index, const ConvOperands& t,
                                             const ConvPrepareSpec& spec, ConvWindow& window, ConvOutputStage& stage) {
  auto w = prepare_conv_window(g, op_index, t, spec.window, spec.filter_h, spec.filter_w, spec.out_c, spec.what);
  if (!w) return w.take_error();
  window = *w;
  auto s = prepare_conv_output_stage(g, op_index, t.in, *t.filter, t.bias, t.out, spec.out_c, spec.activation, t.int16,
                                     spec.int16_zero_point_error);
  if (!s) return s.take_error();
  stage = std::move(*s);
  return {};
}

}  // namespace tinyopt
