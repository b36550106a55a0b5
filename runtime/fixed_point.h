// runtime/fixed_point.h: the integer arithmetic of TFLite Micro's reference int8/int16 kernels, in one place.
//
// Two halves:
//   * prepare-time helpers that turn a real multiplier into a Q31 mantissa + power-of-two shift
//     (quantize_multiplier and its "smaller than one" / "greater than one" variants, the softmax input scaling,
//     the input radius of LOGISTIC/TANH/SOFTMAX);
//   * eval-time primitives: saturating rounding doubling high multiply, rounding divide by a power of two, the
//     default double-rounding multiply_by_quantized_multiplier (32- and 64-bit accumulators), and gemmlowp's
//     fixed-point exp / 1/(1+x) / logistic / tanh on Q(m).(31-m) numbers.
// Every function reproduces the reference rounding bit for bit (TFLite int8 spec + gemmlowp fixedpoint semantics);
// kernels call only these, never re-derive them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace tinyopt::fxp {

// A real multiplier m as m ~= mantissa * 2^(shift - 31), mantissa in [2^30, 2^31) (or 0).
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;  // > 0: left shift, < 0: right shift
  bool operator==(const QuantizedMultiplier&) const = default;
};

// frexp-based: mantissa = round(q * 2^31) with q in [0.5, 1) (round half away from zero); a mantissa that rounds
// to 2^31 is halved and the shift incremented; a shift below -31 flushes to {0, 0}; m == 0 gives {0, 0}.
QuantizedMultiplier quantize_multiplier(double real_multiplier);
// Same, for 0 < m < 1 (result shift <= 0). Callers check the range themselves (returns nullopt-like {0,0} if not).
QuantizedMultiplier quantize_multiplier_smaller_than_one(double real_multiplier);
// Same, for m > 1 (result shift >= 0).
QuantizedMultiplier quantize_multiplier_greater_than_one(double real_multiplier);

// SOFTMAX int8: multiplier/left shift of beta * input_scale * 2^(31 - input_integer_bits), capped at 2^31 - 1.
QuantizedMultiplier softmax_input_scaling(double beta, double input_scale, int input_integer_bits);
// floor(((2^bits - 1) * 2^(total_signed_bits - bits)) / 2^left_shift): inputs beyond this saturate.
int input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits = 31);
// LOGISTIC/TANH int8 prepare: frexp of input_scale * 2^(31 - input_integer_bits) without the 2^31 fix-up
// (mantissa = round(q * 2^31) cast to int32, as the reference kernels compute it).
QuantizedMultiplier frexp_multiplier(double real_multiplier);

// Round half away from zero, as TfLiteRound / std::round.
int32_t round_to_int32(float x);

// ---- eval-time primitives ---------------------------------------------------------------------------------

// (a * b * 2 + 2^31 rounding nudge) >> 32, saturating the single overflow case a == b == INT32_MIN.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = int64_t{a} * int64_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));  // division truncates toward zero
}

inline int16_t saturating_rounding_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t{a} * int32_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int16_t rounding_divide_by_pot(int16_t x, int exponent) {
  const int16_t mask = static_cast<int16_t>((1 << exponent) - 1);
  const int16_t remainder = static_cast<int16_t>(x & mask);
  const int16_t threshold = static_cast<int16_t>((mask >> 1) + (x < 0 ? 1 : 0));
  return static_cast<int16_t>((x >> exponent) + (remainder > threshold ? 1 : 0));
}

// x * 2^shift with wrap-around on overflow (the reference multiplies in int32; wrapping is what the hardware does).
inline int32_t shift_left_wrapping(int32_t x, int shift) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) << shift);
}

// TFLM's default (double-rounding) MultiplyByQuantizedMultiplier: left shift, SRDHM, then rounding right shift.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shift_left_wrapping(x, left), multiplier), right);
}

// 64-bit accumulator variant (16x8 CONV/DEPTHWISE/FC): the multiplier is reduced to 16 bits with rounding
// ((m + 2^15) >> 16, saturated at 0x7FFF), then x * m16 is rounded and shifted right by 15 - shift.
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result = (x * int64_t{reduced} + round) >> total_shift;
  return static_cast<int32_t>(result);
}

// ADD/SUB: the multiplier is < 1 (shift <= 0): SRDHM, then rounding right shift.
inline int32_t multiply_by_quantized_multiplier_smaller_than_one(int32_t x, int32_t multiplier, int shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -shift);
}

// SOFTMAX: the multiplier is > 1 (shift >= 0): left shift (wrapping), then SRDHM.
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier, int shift) {
  return saturating_rounding_doubling_high_mul(shift_left_wrapping(x, shift), multiplier);
}

inline int32_t clamp(int32_t x, int32_t lo, int32_t hi) { return std::min(std::max(x, lo), hi); }

// ---- gemmlowp fixed point on raw int32 values -------------------------------------------------------------
// A Q(m) number has m integer bits and 31 - m fractional bits; functions take and return raw int32 values and
// name the Q format of each. Products of Q(a) and Q(b) are Q(a+b) (SRDHM of the raws).

// x * 2^exponent, saturating for exponent > 0, rounding (rounding_divide_by_pot) for exponent < 0.
int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent);
// Changes the Q format of x from Q(src_bits) to Q(dst_bits).
inline int32_t rescale(int32_t x, int src_bits, int dst_bits) {
  return saturating_rounding_multiply_by_pot(x, src_bits - dst_bits);
}
// exp(x) for x in [-1/4, 0): Q0 in, Q0 out (Taylor expansion around -1/8).
int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a_q0);
// exp(x) for x <= 0: Q(integer_bits) in, Q0 out.
int32_t exp_on_negative_values(int32_t a, int integer_bits);
// 1 / (1 + x) for x in [0, 1): Q0 in, Q0 out (Newton-Raphson, 3 iterations).
int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a_q0);
// (1 - x) / (1 + x) for x in [0, 1): Q0 in, Q0 out.
int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a_q0);
// logistic(x): Q(integer_bits) in, Q0 out.
int32_t logistic(int32_t a, int integer_bits);
// tanh(x): Q(integer_bits) in, Q0 out.
int32_t tanh(int32_t a, int integer_bits);
// SOFTMAX: reciprocal of a Q(x_integer_digits) sum as a Q0 number and the extra right shift it needs.
int32_t reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit);

// ---- HARD_SWISH helpers (int16 fixed point) -----------------------------------------------------------------
// Q31 multiplier reduced to Q15 with rounding, saturating at INT16_MAX.
int16_t downscale_multiplier_to_int16(int32_t multiplier);
// value * 2^amount saturated to int16.
inline int16_t saturating_left_shift(int16_t value, int amount) {
  return static_cast<int16_t>(clamp(int32_t{value} * (1 << amount), -32768, 32767));
}
// (a * b * 2) >> 16 truncating toward zero, saturating a == b == INT16_MIN (no rounding nudge).
inline int16_t saturating_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((int32_t{a} * int32_t{b}) / (1 << 15));
}

}  // namespace tinyopt::fxp

// ---- int16 ("16x8") activations: TFLM's lookup tables ------------------------------------------------------
namespace tinyopt::fxp {

// Number of entries of an int16-input table: 512 samples plus one more, read only as the last slope.
inline constexpr int kInt16LutSize = 513;

// TFLM's gen_lut<float, int16_t, int16_t>, all in float: 512 samples of func on [input_min, input_max), each
// round(f * 65536 / (output_max - output_min)) minus half the rounded error of linear interpolation at the
// step's midpoint, clamped to int16; entry 512 is func(input_max) rounded. Used for the int16 SOFTMAX tables.
void generate_int16_lut(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                        int16_t* table);

// Linear interpolation in a 513-entry table: index 256 + (v >> 7), 7 fractional bits, slope rounded half up
// (the (slope * frac + 64) >> 7 of TFLM's lut_lookup for int16 input).
inline int16_t int16_lut_lookup(int16_t value, const int16_t* lut) {
  const int index = 256 + (value >> 7);
  const int offset = value & 0x7f;
  const int base = lut[index];
  const int16_t slope = static_cast<int16_t>(lut[index + 1] - lut[index]);
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

// TFLM's CheckedLog2 (in float): *log2_result = round(log(x) / log(2)); true when x is within 1e-3 (in log2) of
// that power of two.
bool checked_log2(float x, int* log2_result);

// sigmoid(i / 24) in unsigned Q0.16 for i = 0..255 (65535 at the top), the shared table of TFLM's int16
// LOGISTIC and TANH (tanh(x) = 2 * sigmoid(2x) - 1). Its values are the reference's data, not a formula: plain
// rounding of 65536 * sigmoid(i / 24) differs from it in 44 entries.
extern const uint16_t kSigmoidTableUint16[256];

// int16 LOGISTIC/TANH prepare (input scale s, zero point 0): with s = 2^-k close enough to a power of two that
// 12 - k is 0 (TANH: 0 or 1), multiplier 0 and shift 12 - k ("power of two" case, the eval uses 3 << shift);
// otherwise multiplier = trunc(s * 3 * 4096 * 2^shift) with the smallest shift that brings it above 32767 / 2.
struct Int16ActivationScaling {
  int32_t multiplier = 0;
  int shift = 0;
};
Int16ActivationScaling int16_activation_scaling(float input_scale, bool allow_shift_one);

// The int16 LOGISTIC of TFLM (reference_integer_ops::Logistic): output in Q0.15, scale 1/32768.
int16_t logistic_int16(int16_t x, Int16ActivationScaling s);
// The int16 TANH of TFLM (reference_integer_ops::Tanh): output in Q0.15, scale 1/32768.
int16_t tanh_int16(int16_t x, Int16ActivationScaling s);

}  // namespace tinyopt::fxp
