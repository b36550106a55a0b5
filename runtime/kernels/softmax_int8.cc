// runtime/kernels/softmax_int8.cc: SOFTMAX with int8 input and int8 (or int16) output, TFLM reference arithmetic:
// differences to the row maximum are scaled by beta * input_scale into Q5.26 (diffs below -radius give 0), exp is
// gemmlowp's exp_on_negative_values, the sum is accumulated in Q12.19, its reciprocal taken by
// one_over_one_plus_x, and each output is exp * reciprocal shifted to the output's 1/256 (int16: 1/65536) scale
// with the fixed zero point -128 (int16: -32768).
//
// int16 input (TFLM "16x8"; int16 output, scale 1/32768, zero point 0): differences to the row maximum are scaled
// so that [-65535, 0] stands for [-10, 0] (multiplier of input_scale * beta / (10 / 65535)), recentred by +32767
// and read through a 513-entry exp table on [-10, 0]; the Q16.15 sum is normalised (count of leading zeros), its
// reciprocal read through a 1/(1+x) table on [0, 1], and each output is exp * reciprocal rounded to Q0.15.
// Both tables are built in prepare by fxp::generate_int16_lut, as TFLM's SoftmaxPrepare builds them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

struct SoftmaxParams {
  long outer = 0;
  int depth = 0;
  fxp::QuantizedMultiplier input_beta;  // left shift >= 0
  int32_t diff_min = 0;
  bool int16_output = false;
};

template <class Out>
void softmax_int8(const SoftmaxParams& p, const int8_t* input, Out* output) {
  constexpr int32_t kOutMin = std::numeric_limits<Out>::min();
  constexpr int32_t kOutMax = std::numeric_limits<Out>::max();
  constexpr int kOutBits = static_cast<int>(sizeof(Out) * 8);
  for (long i = 0; i < p.outer; ++i) {
    const int8_t* in = input + i * p.depth;
    Out* out = output + i * p.depth;
    int32_t max_in_row = std::numeric_limits<int8_t>::min();
    for (int c = 0; c < p.depth; ++c) max_in_row = std::max<int32_t>(max_in_row, in[c]);
    int32_t sum_of_exps = 0;  // Q12
    for (int c = 0; c < p.depth; ++c) {
      const int32_t diff = int32_t{in[c]} - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t scaled = fxp::multiply_by_quantized_multiplier_greater_than_one(diff, p.input_beta.multiplier,
                                                                                     p.input_beta.shift);
        const int32_t e = fxp::exp_on_negative_values(scaled, kScaledDiffIntegerBits);  // Q0
        sum_of_exps += fxp::rescale(e, 0, kAccumulationIntegerBits);
      }
    }
    int num_bits_over_unit = 0;
    const int32_t shifted_scale = fxp::reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    for (int c = 0; c < p.depth; ++c) {
      const int32_t diff = int32_t{in[c]} - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t scaled = fxp::multiply_by_quantized_multiplier_greater_than_one(diff, p.input_beta.multiplier,
                                                                                     p.input_beta.shift);
        const int32_t e = fxp::exp_on_negative_values(scaled, kScaledDiffIntegerBits);
        const int32_t unsat = fxp::rounding_divide_by_pot(fxp::saturating_rounding_doubling_high_mul(shifted_scale, e),
                                                          num_bits_over_unit + 31 - kOutBits);
        out[c] = static_cast<Out>(fxp::clamp(unsat + kOutMin, kOutMin, kOutMax));
      } else {
        out[c] = static_cast<Out>(kOutMin);
      }
    }
  }
}

class SoftmaxInt8 final : public Kernel {
 public:
  explicit SoftmaxInt8(SoftmaxParams p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    const auto* in = reinterpret_cast<const int8_t*>(io.inputs[0]);
    if (p_.int16_output)
      softmax_int8(p_, in, reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      softmax_int8(p_, in, reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  SoftmaxParams p_;
};

struct SoftmaxInt16Params {
  long outer = 0;
  int depth = 0;
  fxp::QuantizedMultiplier input_scaling;
  std::vector<int16_t> exp_lut, one_over_one_plus_x_lut;  // kInt16LutSize each
};

inline int16_t saturate_int16(int32_t x) { return static_cast<int16_t>(fxp::clamp(x, -32768, 32767)); }

void softmax_int16(const SoftmaxInt16Params& p, const int16_t* input, int16_t* output) {
  for (long i = 0; i < p.outer; ++i) {
    const int16_t* in = input + i * p.depth;
    int16_t* out = output + i * p.depth;
    int16_t max_in_row = std::numeric_limits<int16_t>::min();
    for (int c = 0; c < p.depth; ++c) max_in_row = std::max(max_in_row, in[c]);
    // The exps (Q0.15) are kept in the output row until the reciprocal is known.
    int32_t sum_of_exps = 0;  // Q16.15
    for (int c = 0; c < p.depth; ++c) {
      const int32_t diff = int32_t{in[c]} - max_in_row;
      const int32_t scaled =
          fxp::multiply_by_quantized_multiplier(diff, p.input_scaling.multiplier, p.input_scaling.shift);
      out[c] = fxp::int16_lut_lookup(saturate_int16(scaled + 32767), p.exp_lut.data());
      sum_of_exps += out[c];
    }
    // The maximum contributes exp(0) ~ 32767, so the sum is positive and has at most 16 leading zeros.
    const int headroom_plus_one = __builtin_clz(static_cast<uint32_t>(sum_of_exps));
    const int32_t shifted_sum =
        static_cast<int32_t>(((int64_t{sum_of_exps} << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // 1 / (1 + x) with x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
    const int16_t reciprocal =
        fxp::int16_lut_lookup(saturate_int16(shifted_sum - ((1 << 15) + (1 << 16))), p.one_over_one_plus_x_lut.data());
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int c = 0; c < p.depth; ++c) {
      const int32_t r = static_cast<int32_t>((int64_t{out[c]} * int64_t{reciprocal} + round) >> right_shift);
      out[c] = static_cast<int16_t>(fxp::clamp(r, 0, 32767));
    }
  }
}

class SoftmaxInt16 final : public Kernel {
 public:
  explicit SoftmaxInt16(SoftmaxInt16Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    softmax_int16(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
  }

 private:
  SoftmaxInt16Params p_;
};

float exp_f(float x) { return std::exp(x); }
float one_over_one_plus_x_f(float x) { return 1.0f / (1.0f + x); }

KernelResult make_softmax_int16(const Graph& g, int op_index, const Tensor* in, const Tensor* out) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  // TFLM: output zero point 0, scale 1/32768 within 0.1 %.
  if (qo->zero_point != 0) return bad_op(g, op_index, out, "SOFTMAX int16 output zero point must be 0");
  if (std::abs(qo->scale - 1.0f / 32768) > 0.001f * 1.0f / 32768)
    return bad_op(g, op_index, out, "SOFTMAX int16 output scale must be 1/32768");
  SoftmaxInt16Params p;
  p.depth = in->shape.back();
  p.outer = p.depth > 0 ? static_cast<long>(in->num_elements() / p.depth) : 0;
  const auto* o = std::get_if<SoftmaxOptions>(&op.options);
  const float beta = o ? o->beta : 1.0f;
  p.input_scaling =
      fxp::quantize_multiplier(static_cast<double>(qi->scale) * static_cast<double>(beta) / (10.0 / 65535.0));
  p.exp_lut.resize(fxp::kInt16LutSize);
  p.one_over_one_plus_x_lut.resize(fxp::kInt16LutSize);
  fxp::generate_int16_lut(exp_f, -10.0f, 0.0f, -1.0f, 1.0f, p.exp_lut.data());
  fxp::generate_int16_lut(one_over_one_plus_x_f, 0.0f, 1.0f, -1.0f, 1.0f, p.one_over_one_plus_x_lut.data());
  return std::unique_ptr<Kernel>(std::make_unique<SoftmaxInt16>(std::move(p)));
}

}  // namespace

KernelResult make_softmax_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  const bool int16_in = in->dtype == DType::Int16 && out->dtype == DType::Int16;
  if (!int16_in && (in->dtype != DType::Int8 || (out->dtype != DType::Int8 && out->dtype != DType::Int16)))
    return unsupported_dtypes(g, op_index, "no integer SOFTMAX kernel for");
  if (in->shape.empty() || in->num_elements() != out->num_elements())
    return bad_op(g, op_index, out, "SOFTMAX output must have the input's shape");
  if (int16_in) return make_softmax_int16(g, op_index, in, out);
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  SoftmaxParams p;
  p.int16_output = out->dtype == DType::Int16;
  // TFLite int8 spec: SOFTMAX output scale 1/256, zero point -128 (int16 output: 1/65536, -32768).
  const int32_t want_zp = p.int16_output ? -32768 : -128;
  if (qo->zero_point != want_zp)
    return bad_op(g, op_index, out, fmt::format("SOFTMAX output zero point must be {}", want_zp));
  p.depth = in->shape.back();
  p.outer = p.depth > 0 ? static_cast<long>(in->num_elements() / p.depth) : 0;
  const auto* o = std::get_if<SoftmaxOptions>(&op.options);
  const double beta = o ? static_cast<double>(o->beta) : 1.0;
  p.input_beta = fxp::softmax_input_scaling(beta, static_cast<double>(qi->scale), kScaledDiffIntegerBits);
  p.diff_min = -fxp::input_radius(kScaledDiffIntegerBits, p.input_beta.shift);
  return std::unique_ptr<Kernel>(std::make_unique<SoftmaxInt8>(p));
}

}  // namespace tinyopt
