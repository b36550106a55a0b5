// runtime/kernels/leaky_relu_int8.cc: LEAKY_RELU on int8/int16 (TFLM reference): x - zp_in >= 0 is rescaled by
// s_in / s_out, negative values by s_in * alpha / s_out (both formed in float, then quantize_multiplier), then
// offset by zp_out and clamped to the dtype.
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct LeakyParams {
  int32_t input_zp = 0, output_zp = 0, lo = 0, hi = 0;
  fxp::QuantizedMultiplier identity, alpha;
  int64_t n = 0;
  bool int16 = false;
};

template <class T>
void leaky_eval(const LeakyParams& p, const T* in, T* out) {
  for (int64_t i = 0; i < p.n; ++i) {
    const int32_t x = int32_t{in[i]} - p.input_zp;
    const fxp::QuantizedMultiplier& m = x >= 0 ? p.identity : p.alpha;
    const int32_t v = p.output_zp + fxp::multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
    out[i] = static_cast<T>(fxp::clamp(v, p.lo, p.hi));
  }
}

class LeakyReluInt8 final : public Kernel {
 public:
  explicit LeakyReluInt8(LeakyParams p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      leaky_eval(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      leaky_eval(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  LeakyParams p_;
};

}  // namespace

KernelResult make_leaky_relu_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer LEAKY_RELU kernel for");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  const auto* o = std::get_if<LeakyReluOptions>(&op.options);
  const float alpha = o ? o->alpha : 0.0f;
  LeakyParams p;
  p.int16 = in->dtype == DType::Int16;
  p.n = in->num_elements();
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  std::tie(p.lo, p.hi) = dtype_range(in->dtype);
  p.alpha = fxp::quantize_multiplier(static_cast<double>(qi->scale * alpha / qo->scale));
  p.identity = fxp::quantize_multiplier(static_cast<double>(qi->scale / qo->scale));
  if (p.alpha.shift > 30 || p.identity.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
  return std::unique_ptr<Kernel>(std::make_unique<LeakyReluInt8>(p));
}

}  // namespace tinyopt
