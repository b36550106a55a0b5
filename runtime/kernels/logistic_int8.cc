// runtime/kernels/logistic_int8.cc: LOGISTIC int8 (TFLM reference): inputs beyond +-radius saturate to -128/127;
// others are scaled into Q4.27 (frexp multiplier of input_scale * 2^27), passed through gemmlowp's fixed-point
// logistic and rounded to the fixed output scale 1/256, zero point -128 (TFLite int8 spec).
//
// int16 (TFLM "16x8"): zero points 0, output scale 2^-15; the input is scaled to 1/(3 * 4096) by a multiplier and
// shift from prepare (fxp::int16_activation_scaling) and read through the shared sigmoid table with linear
// interpolation, as reference_integer_ops::Logistic(int16) does.
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

constexpr int kInputIntegerBits = 4;

class LogisticInt8 final : public Kernel {
 public:
  LogisticInt8(int64_t n, int32_t zp, int32_t radius, fxp::QuantizedMultiplier m) : n_(n), zp_(zp), radius_(radius), m_(m) {}
  void eval(const OpBuffers& io) const override {
    const auto* in = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* out = reinterpret_cast<int8_t*>(io.outputs[0]);
    for (int64_t i = 0; i < n_; ++i) {
      const int32_t x = int32_t{in[i]} - zp_;
      if (x <= -radius_) {
        out[i] = -128;
      } else if (x >= radius_) {
        out[i] = 127;
      } else {
        const int32_t x_q4 = fxp::multiply_by_quantized_multiplier(x, m_.multiplier, m_.shift);
        const int32_t y_q0 = fxp::logistic(x_q4, kInputIntegerBits);
        const int32_t y = fxp::rounding_divide_by_pot(y_q0, 31 - 8) - 128;
        out[i] = static_cast<int8_t>(fxp::clamp(y, -128, 127));
      }
    }
  }

 private:
  int64_t n_;
  int32_t zp_, radius_;
  fxp::QuantizedMultiplier m_;
};

class LogisticInt16 final : public Kernel {
 public:
  LogisticInt16(int64_t n, fxp::Int16ActivationScaling s) : n_(n), s_(s) {}
  void eval(const OpBuffers& io) const override {
    const auto* in = reinterpret_cast<const int16_t*>(io.inputs[0]);
    auto* out = reinterpret_cast<int16_t*>(io.outputs[0]);
    for (int64_t i = 0; i < n_; ++i) out[i] = fxp::logistic_int16(in[i], s_);
  }

 private:
  int64_t n_;
  fxp::Int16ActivationScaling s_;
};

}  // namespace

KernelResult make_logistic_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  const bool int16 = in->dtype == DType::Int16 && out->dtype == DType::Int16;
  if (!int16 && (in->dtype != DType::Int8 || out->dtype != DType::Int8))
    return unsupported_dtypes(g, op_index, "no integer LOGISTIC kernel for");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  if (int16) {
    if (qi->zero_point != 0 || qo->zero_point != 0)
      return bad_op(g, op_index, in, "LOGISTIC int16 needs zero points of 0");
    int out_log2 = 0;
    if (!fxp::checked_log2(qo->scale, &out_log2) || out_log2 != -15)
      return bad_op(g, op_index, out, "LOGISTIC int16 output scale must be 2^-15");
    return std::unique_ptr<Kernel>(
        std::make_unique<LogisticInt16>(in->num_elements(), fxp::int16_activation_scaling(qi->scale, false)));
  }
  if (qo->zero_point != -128) return bad_op(g, op_index, out, "LOGISTIC int8 output zero point must be -128");
  const fxp::QuantizedMultiplier m =
      fxp::frexp_multiplier(static_cast<double>(qi->scale) * static_cast<double>(1 << (31 - kInputIntegerBits)));
  const int32_t radius = fxp::input_radius(kInputIntegerBits, m.shift);
  return std::unique_ptr<Kernel>(std::make_unique<LogisticInt8>(in->num_elements(), qi->zero_point, radius, m));
}

}  // namespace tinyopt
