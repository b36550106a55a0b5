// runtime/kernels/quantize_int8.cc: QUANTIZE from an integer tensor, i.e. TFLM's Requantize: (x - zp_in) rescaled
// by s_in / s_out (double, quantize_multiplier), plus zp_out, clamped to the output dtype. The pairs are TFLM's
// (quantize_common.cc): int8 -> int8/int16/int32, int16 -> int8/int16/int32, int32 -> int8/int16. (QUANTIZE from
// float is the float kernel family's.)
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct RequantizeParams {
  int32_t input_zp = 0, output_zp = 0, lo = 0, hi = 0;
  fxp::QuantizedMultiplier m;
  int64_t n = 0;
  DType in = DType::Int8, out = DType::Int8;
};

template <class In, class Out>
void requantize(const RequantizeParams& p, const In* in, Out* out) {
  for (int64_t i = 0; i < p.n; ++i) {
    // int32 arithmetic as in the reference (an int32 input minus its zero point, or the rescaled value plus the
    // output zero point, wraps where TFLM's would).
    const auto x = static_cast<int32_t>(static_cast<uint32_t>(in[i]) - static_cast<uint32_t>(p.input_zp));
    const int32_t r = fxp::multiply_by_quantized_multiplier(x, p.m.multiplier, p.m.shift);
    const auto v = static_cast<int32_t>(static_cast<uint32_t>(r) + static_cast<uint32_t>(p.output_zp));
    out[i] = static_cast<Out>(fxp::clamp(v, p.lo, p.hi));
  }
}

class QuantizeInt8 final : public Kernel {
 public:
  explicit QuantizeInt8(RequantizeParams p) : p_(p) {}
  template <class In> void with_output(const In* in, uint8_t* out) const {
    switch (p_.out) {
      case DType::Int8: return requantize(p_, in, reinterpret_cast<int8_t*>(out));
      case DType::Int16: return requantize(p_, in, reinterpret_cast<int16_t*>(out));
      default: return requantize(p_, in, reinterpret_cast<int32_t*>(out));
    }
  }
  void eval(const OpBuffers& io) const override {
    switch (p_.in) {
      case DType::Int8: return with_output(reinterpret_cast<const int8_t*>(io.inputs[0]), io.outputs[0]);
      case DType::Int16: return with_output(reinterpret_cast<const int16_t*>(io.inputs[0]), io.outputs[0]);
      default: return with_output(reinterpret_cast<const int32_t*>(io.inputs[0]), io.outputs[0]);
    }
  }

 private:
  RequantizeParams p_;
};

}  // namespace

KernelResult make_quantize_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  const bool in_ok = in->dtype == DType::Int8 || in->dtype == DType::Int16 || in->dtype == DType::Int32;
  const bool out_ok = out->dtype == DType::Int8 || out->dtype == DType::Int16 ||
                      (out->dtype == DType::Int32 && in->dtype != DType::Int32);
  if (!in_ok || !out_ok) return unsupported_dtypes(g, op_index, "no integer QUANTIZE (requantize) kernel for");
  if (in->num_elements() != out->num_elements()) return bad_op(g, op_index, out, "output size differs from input");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  RequantizeParams p;
  p.n = in->num_elements();
  p.in = in->dtype;
  p.out = out->dtype;
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  std::tie(p.lo, p.hi) = dtype_range(out->dtype);
  p.m = fxp::quantize_multiplier(static_cast<double>(qi->scale) / static_cast<double>(qo->scale));
  if (p.m.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
  return std::unique_ptr<Kernel>(std::make_unique<QuantizeInt8>(p));
}

}  // namespace tinyopt
