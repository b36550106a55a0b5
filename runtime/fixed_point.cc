// runtime/fixed_point.cc: prepare-time multiplier derivation and gemmlowp's fixed-point transcendental functions
// (exp on negative values, 1/(1+x), logistic, tanh), reproducing the reference rounding bit for bit.
#include "runtime/fixed_point.h"

#include <cmath>

namespace tinyopt::fxp {

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {0, 0};
  int shift = 0;
  const double q = std::frexp(real_multiplier, &shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {  // q rounded up to 1.0: renormalise
    q_fixed /= 2;
    ++shift;
  }
  // Below 2^-31 every product would be shifted out: the reference flushes such multipliers to zero.
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  return {static_cast<int32_t>(q_fixed), shift};
}

QuantizedMultiplier quantize_multiplier_smaller_than_one(double real_multiplier) {
  return quantize_multiplier(real_multiplier);
}

QuantizedMultiplier quantize_multiplier_greater_than_one(double real_multiplier) {
  return quantize_multiplier(real_multiplier);
}

QuantizedMultiplier softmax_input_scaling(double beta, double input_scale, int input_integer_bits) {
  const double max_real = static_cast<double>((int64_t{1} << 31) - 1);
  const double real = std::min<double>(beta * input_scale * static_cast<double>(1 << (31 - input_integer_bits)),
                                       max_real);
  return quantize_multiplier_greater_than_one(real);
}

int input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits) {
  const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                                    static_cast<double>(int64_t{1} << (total_signed_bits - input_integer_bits)) /
                                    static_cast<double>(int64_t{1} << input_left_shift);
  return static_cast<int>(std::floor(max_input_rescaled));
}

QuantizedMultiplier frexp_multiplier(double real_multiplier) {
  int shift = 0;
  const double q = std::frexp(real_multiplier, &shift);
  const int64_t m = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  // The reference casts straight to int32: 2^31 (q within 2^-32 of 1) wraps to INT32_MIN on every target.
  return {static_cast<int32_t>(static_cast<uint32_t>(m)), shift};
}

int32_t round_to_int32(float x) { return static_cast<int32_t>(std::round(x)); }

// ---- gemmlowp ----------------------------------------------------------------------------------------------

int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return shift_left_wrapping(x, exponent);
}

namespace {
constexpr int32_t kOneQ0 = std::numeric_limits<int32_t>::max();  // 1.0 saturates in Q0
inline int32_t mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }
// Wrapping add/sub: gemmlowp adds raw values in int32 without saturation.
inline int32_t add(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
inline int32_t sub(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
inline int32_t neg(int32_t a) { return static_cast<int32_t>(0u - static_cast<uint32_t>(a)); }

// (a + b) / 2 rounded half away from zero, computed in 64 bits.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = int64_t{a} + int64_t{b};
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// Newton-Raphson for 1 / half_denominator with half_denominator = (1 + a) / 2 in [0.5, 1): returns x in Q2.
int32_t newton_reciprocal_q2(int32_t half_denominator_q0) {
  const int32_t k48_over_17 = 1515870810;     // 48/17 in Q2
  const int32_t kNeg32_over_17 = -1010580540; // -32/17 in Q2
  const int32_t kOneQ2 = 1 << 29;
  int32_t x = add(k48_over_17, mul(half_denominator_q0, kNeg32_over_17));  // Q0 * Q2 -> Q2
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = mul(half_denominator_q0, x);  // Q2
    const int32_t one_minus = sub(kOneQ2, half_denominator_times_x);       // Q2
    x = add(x, rescale(mul(x, one_minus), 4, 2));                          // Q2 * Q2 -> Q4 -> Q2
  }
  return x;
}
}  // namespace

int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t kConstantTerm = 1895147668;  // exp(-1/8) in Q0
  const int32_t kOneThird = 715827883;       // 1/3 in Q0
  const int32_t x = add(a, 1 << 28);         // x = a + 1/8
  const int32_t x2 = mul(x, x);
  const int32_t x3 = mul(x2, x);
  const int32_t x4 = mul(x2, x2);
  const int32_t x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
  const int32_t poly = saturating_rounding_multiply_by_pot(add(mul(add(x4_over_4, x3), kOneThird), x2), -1);
  return add(kConstantTerm, mul(kConstantTerm, add(x, poly)));
}

int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = integer_bits <= 29 ? (int32_t{1} << (fractional_bits - 2)) : 0;
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = sub(a_mod_quarter_minus_one_quarter, a);

  // exp(-2^e) in Q0 for e = -2 .. 4: multiply in the factor for every bit set in the remainder.
  struct Barrel { int exponent; int32_t multiplier; };
  static constexpr Barrel kBarrel[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                                       {2, 39332535},    {3, 720401},      {4, 242}};
  for (const Barrel& b : kBarrel) {
    if (integer_bits > b.exponent) {
      const int shift_amount = fractional_bits + b.exponent;
      if (remainder & (int32_t{1} << shift_amount)) result = mul(result, b.multiplier);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp_value = -(int32_t{1} << (36 - integer_bits));  // -32.0 in Q(integer_bits)
    if (a < clamp_value) result = 0;
  }
  if (a == 0) result = kOneQ0;
  return result;
}

int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, kOneQ0);
  const int32_t x = newton_reciprocal_q2(half_denominator);
  // x / 2 as Q1 (same raw), then back to Q0.
  return rescale(x, 1, 0);
}

int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, kOneQ0);
  const int32_t x = newton_reciprocal_q2(half_denominator);
  return rescale(sub(x, 1 << 29), 2, 0);  // 2 / (1 + a) - 1
}

int32_t logistic(int32_t a, int integer_bits) {
  if (a == 0) return 1 << 30;  // 0.5
  const bool positive = a > 0;
  const int32_t abs_a = positive ? a : neg(a);
  const int32_t result_if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(neg(abs_a), integer_bits));
  return positive ? result_if_positive : sub(kOneQ0, result_if_positive);
}

int32_t tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const bool negative = a < 0;
  const int32_t n = negative ? a : neg(a);  // -|a|
  // exp(2n): the raw of n read as Q(integer_bits + 1) is 2n.
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
  return negative ? neg(t) : t;
}

int32_t reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = x == 0 ? 32 : __builtin_clz(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(
      (headroom_plus_one >= 32 ? 0u : (static_cast<uint32_t>(x) << headroom_plus_one)) - (uint32_t{1} << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

int16_t downscale_multiplier_to_int16(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((multiplier + kRoundingOffset) >> 16);
}

}  // namespace tinyopt::fxp
