// runtime/kernels/hard_swish_int8.cc: HARD_SWISH int8 (TFLM reference, int16 fixed point): x * relu6(x + 3) / 6.
// The input is moved to a "hires" scale s_in / 128, a Q15 multiplier takes it to the output scale, a second
// ("reluish") multiplier maps [-3, 3] to [-1, 1] in Q15 with saturation, which is then mapped to [0, 1] and
// multiplied in (truncating doubling high multiply), and the result is shifted to the output scale.
// The multipliers are formed in float as TFLM's prepare does.
#include <limits>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct HardSwishParams {
  int32_t input_zp = 0, output_zp = 0;
  int16_t output_multiplier = 0, reluish_multiplier = 0;
  int output_exponent = 0, reluish_exponent = 0;
  int64_t n = 0;
};

class HardSwishInt8 final : public Kernel {
 public:
  explicit HardSwishInt8(HardSwishParams p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    const auto* in = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* out = reinterpret_cast<int8_t*>(io.outputs[0]);
    for (int64_t i = 0; i < p_.n; ++i) {
      const int16_t x = static_cast<int16_t>(in[i] - p_.input_zp);
      const int16_t x_hires = static_cast<int16_t>(x * (1 << 7));  // |x| <= 255: fits int16
      const int16_t x_preshift = fxp::saturating_rounding_doubling_high_mul(x_hires, p_.output_multiplier);
      int16_t reluish = x_hires;
      if (p_.reluish_exponent > 0) reluish = fxp::saturating_left_shift(reluish, p_.reluish_exponent - 1);
      reluish = fxp::saturating_rounding_doubling_high_mul(reluish, p_.reluish_multiplier);
      if (p_.reluish_exponent > 0) reluish = fxp::saturating_left_shift(reluish, 1);
      if (p_.reluish_exponent < 0) reluish = fxp::rounding_divide_by_pot(reluish, -p_.reluish_exponent);
      reluish = static_cast<int16_t>((int32_t{reluish} + (1 << 15)) >> 1);  // [-1, 1] -> [0, 1]
      const int16_t pre = fxp::saturating_doubling_high_mul(reluish, x_preshift);
      int32_t v = fxp::rounding_divide_by_pot(pre, -p_.output_exponent);
      v += p_.output_zp;
      out[i] = static_cast<int8_t>(fxp::clamp(v, -128, 127));
    }
  }

 private:
  HardSwishParams p_;
};

}  // namespace

KernelResult make_hard_swish_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if (in->dtype != DType::Int8 || out->dtype != DType::Int8)
    return unsupported_dtypes(g, op_index, "no integer HARD_SWISH kernel for");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  HardSwishParams p;
  p.n = in->num_elements();
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  const float hires_input_scale = (1.0f / 128.0f) * qi->scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_multiplier = hires_input_scale / qo->scale;
  const fxp::QuantizedMultiplier om = fxp::quantize_multiplier(static_cast<double>(output_multiplier));
  p.output_multiplier = fxp::downscale_multiplier_to_int16(om.multiplier);
  p.output_exponent = om.shift;
  if (p.output_exponent > 0) return bad_op(g, op_index, out, "HARD_SWISH output scale too small for int8 arithmetic");
  const float reluish_multiplier = hires_input_scale / reluish_scale;
  const fxp::QuantizedMultiplier rm = fxp::quantize_multiplier(static_cast<double>(reluish_multiplier));
  p.reluish_multiplier = fxp::downscale_multiplier_to_int16(rm.multiplier);
  p.reluish_exponent = rm.shift;
  if (p.reluish_exponent > 15) return bad_op(g, op_index, in, "HARD_SWISH input scale too large");
  return std::unique_ptr<Kernel>(std::make_unique<HardSwishInt8>(p));
}

}  // namespace tinyopt
