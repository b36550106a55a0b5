// runtime/kernels/quantize_int8.cc: QUANTIZE from an integer tensor (int8/int16 -> int8/int16), i.e. TFLM's
// Requantize: (x - zp_in) rescaled by s_in / s_out (double, quantize_multiplier), plus zp_out, clamped to the
// output dtype. (QUANTIZE from float is the float kernel family's.)
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct RequantizeParams {
  int32_t input_zp = 0, output_zp = 0, lo = 0, hi = 0;
  fxp::QuantizedMultiplier m;
  int64_t n = 0;
  bool in16 = false, out16 = false;
};

template <class In, class Out>
void requantize(const RequantizeParams& p, const In* in, Out* out) {
  for (int64_t i = 0; i < p.n; ++i) {
    const int32_t v = fxp::multiply_by_quantized_multiplier(int32_t{in[i]} - p.input_zp, p.m.multiplier, p.m.shift) +
                      p.output_zp;
    out[i] = static_cast<Out>(fxp::clamp(v, p.lo, p.hi));
  }
}

class QuantizeInt8 final : public Kernel {
 public:
  explicit QuantizeInt8(RequantizeParams p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    const uint8_t* in = io.inputs[0];
    uint8_t* out = io.outputs[0];
    if (!p_.in16 && !p_.out16) requantize(p_, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
    if (!p_.in16 && p_.out16) requantize(p_, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int16_t*>(out));
    if (p_.in16 && !p_.out16) requantize(p_, reinterpret_cast<const int16_t*>(in), reinterpret_cast<int8_t*>(out));
    if (p_.in16 && p_.out16) requantize(p_, reinterpret_cast<const int16_t*>(in), reinterpret_cast<int16_t*>(out));
  }

 private:
  RequantizeParams p_;
};

}  // namespace

KernelResult make_quantize_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  const bool in_ok = in->dtype == DType::Int8 || in->dtype == DType::Int16;
  const bool out_ok = out->dtype == DType::Int8 || out->dtype == DType::Int16;
  if (!in_ok || !out_ok) return unsupported_dtypes(g, op_index, "no integer QUANTIZE (requantize) kernel for");
  if (in->num_elements() != out->num_elements()) return bad_op(g, op_index, out, "output size differs from input");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  RequantizeParams p;
  p.n = in->num_elements();
  p.in16 = in->dtype == DType::Int16;
  p.out16 = out->dtype == DType::Int16;
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  std::tie(p.lo, p.hi) = dtype_range(out->dtype);
  p.m = fxp::quantize_multiplier(static_cast<double>(qi->scale) / static_cast<double>(qo->scale));
  if (p.m.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
  return std::unique_ptr<Kernel>(std::make_unique<QuantizeInt8>(p));
}

}  // namespace tinyopt
