// runtime/kernels/fully_connected_int8.cc: FULLY_CONNECTED with int8 (or int16 "16x8") activations and int8
// weights: prepare (shared with the fast kernel) and the reference loop of TFLM's integer FullyConnected.
// Per-tensor weights take TFLM's per-tensor multiplier, whose scale product is formed in float
// (float(s_in * s_w) / s_out); per-channel weights take s_in * s_w[c] / s_out in double.
#include "runtime/kernels/fully_connected_int8.h"

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"
#include "ir/tflm_decode.h"

namespace tinyopt {

Expected<FullyConnectedInt8Params> prepare_fully_connected_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* filter = op_input(g, op_index, 1);
  const Tensor* bias = op_input(g, op_index, 2);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !filter || !out) return bad_op(g, op_index, nullptr, "FULLY_CONNECTED needs input, weights and output");
  const bool int16 = in->dtype == DType::Int16;
  if ((in->dtype != DType::Int8 && !int16) || filter->dtype != DType::Int8 || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer FULLY_CONNECTED kernel for");
  if (filter->shape.size() != 2) return bad_op(g, op_index, filter, "weights must be 2-D [units, depth]");
  if (!is_known_constant(g, g.ops[static_cast<size_t>(op_index)].input(1)))
    return bad_op(g, op_index, filter, "weights must be constant (or TFLM_DECODE of constants)");
  FullyConnectedInt8Params p;
  p.int16 = int16;
  p.units = filter->shape[0];
  p.depth = filter->shape[1];
  if (p.depth <= 0 || in->num_elements() % p.depth != 0)
    return bad_op(g, op_index, in, "input size is not a multiple of the weights' depth");
  p.batches = static_cast<int>(in->num_elements() / p.depth);
  if (out->num_elements() != static_cast<int64_t>(p.batches) * p.units)
    return bad_op(g, op_index, out, "output size is not batches x units");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  if (!filter->quant || filter->quant->scale.empty()) return bad_op(g, op_index, filter, "weights are not quantized");
  p.input_offset = -qi->zero_point;
  p.filter_offset = -static_cast<int32_t>(filter->quant->zero_point.empty() ? 0 : filter->quant->zero_point[0]);
  p.output_offset = qo->zero_point;
  std::tie(p.act_min, p.act_max) = activation_range(op.opts<FullyConnectedOptions>().activation, out->dtype, *qo);
  if (filter->quant->scale.size() > 1) {
    auto m = per_channel_multipliers(g, op_index, *qi, *filter, *qo, p.units);
    if (!m) return m.take_error();
    p.multiplier = std::move(m->multiplier);
    p.shift = std::move(m->shift);
  } else {
    const double product = static_cast<double>(qi->scale * filter->quant->scale[0]);  // float product, as TFLM
    const fxp::QuantizedMultiplier q = fxp::quantize_multiplier(product / static_cast<double>(qo->scale));
    if (q.shift > 30) return bad_op(g, op_index, filter, "rescale factor is too large");
    p.multiplier = {q.multiplier};
    p.shift = {q.shift};
  }
  auto b = bias_values(g, op_index, bias, p.units);
  if (!b) return b.take_error();
  p.bias = std::move(*b);
  return p;
}

namespace {

template <class T>
void fully_connected_reference(const FullyConnectedInt8Params& p, const T* input, const int8_t* w, T* output) {
  for (int b = 0; b < p.batches; ++b)
    for (int u = 0; u < p.units; ++u) {
      int64_t acc = 0;
      const T* x = input + static_cast<long>(b) * p.depth;
      const int8_t* wu = w + static_cast<long>(u) * p.depth;
      for (int d = 0; d < p.depth; ++d) acc += (int64_t{wu[d]} + p.filter_offset) * (int64_t{x[d]} + p.input_offset);
      if (!p.bias.empty()) acc += p.bias[static_cast<size_t>(u)];
      int32_t v = p.int16 ? fxp::multiply_by_quantized_multiplier(acc, p.multiplier_at(u), p.shift_at(u))
                          : fxp::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), p.multiplier_at(u), p.shift_at(u));
      v = fxp::clamp(v + p.output_offset, p.act_min, p.act_max);
      output[static_cast<long>(b) * p.units + u] = static_cast<T>(v);
    }
}

class FullyConnectedInt8Reference final : public Kernel {
 public:
  explicit FullyConnectedInt8Reference(FullyConnectedInt8Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const auto* w = reinterpret_cast<const int8_t*>(io.inputs[1]);
    if (p_.int16)
      fully_connected_reference(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), w,
                                reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      fully_connected_reference(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), w,
                                reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  FullyConnectedInt8Params p_;
};

}  // namespace

KernelResult make_fully_connected_int8_reference(const Graph& g, int op_index) {
  auto p = prepare_fully_connected_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<FullyConnectedInt8Reference>(std::move(*p)));
}

}  // namespace tinyopt
