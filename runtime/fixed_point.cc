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

// ---- int16 activations ----------------------------------------------------------------------------------------

namespace tinyopt::fxp {

void generate_int16_lut(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                        int16_t* table) {
  constexpr int kSteps = kInt16LutSize - 1;
  const float step = (input_max - input_min) / kSteps;
  const float half_step = step / 2;
  const float scale = 65536.0f / (output_max - output_min);
  const auto clamp16 = [](float v) { return static_cast<int16_t>(std::min(std::max(v, -32768.0f), 32767.0f)); };
  for (int i = 0; i < kSteps; ++i) {
    const float x = input_min + static_cast<float>(i) * step;
    const float val = func(x);
    const float val_mid = func(x + half_step);
    const float val_next = func(input_min + static_cast<float>(i + 1) * step);
    const float sample = std::round(val * scale);
    const float interpolated_mid = std::round((val_next * scale + std::round(val * scale)) / 2);
    const float exact_mid = std::round(val_mid * scale);
    const float bias = std::round((interpolated_mid - exact_mid) / 2);
    table[i] = clamp16(sample - bias);
  }
  table[kSteps] = clamp16(std::round(func(input_max) * scale));
}

bool checked_log2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  *log2_result = static_cast<int>(rounded);
  return std::abs(x_log2 - rounded) < 1e-3f;
}

const uint16_t kSigmoidTableUint16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

Int16ActivationScaling int16_activation_scaling(float input_scale, bool allow_shift_one) {
  constexpr int kInputIntegerBits = 3;
  int log2_scale = 0;
  bool power_of_two = checked_log2(input_scale, &log2_scale);
  Int16ActivationScaling s;
  s.shift = (15 - kInputIntegerBits) + log2_scale;
  power_of_two = power_of_two && (s.shift == 0 || (allow_shift_one && s.shift == 1));
  if (power_of_two) return {0, s.shift};
  // Rescale to 1 / (3 * 4096): +-2^17 then stands for +-10.7, the table's range.
  double multiplier = static_cast<double>(input_scale) * 4096.0 * 3.0;
  s.shift = 0;
  while (multiplier <= 32767.0 / 2.0 && s.shift <= 30) {
    ++s.shift;
    multiplier *= 2.0;
  }
  s.multiplier = static_cast<int32_t>(multiplier);
  return s;
}

namespace {
// x * multiplier / 2^shift rounded half up, with the power-of-two case folded in (multiplier 3 << shift).
inline int32_t scale_int16_input(int16_t x, Int16ActivationScaling s) {
  int32_t multiplier = s.multiplier;
  int shift = s.shift;
  if (multiplier == 0) {
    multiplier = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? int32_t{1} << (shift - 1) : 0;
  return (int32_t{x} * multiplier + round) >> shift;
}
}  // namespace

int16_t logistic_int16(int16_t x, Int16ActivationScaling s) {
  const int32_t v = scale_int16_input(x, s);
  const uint32_t abs_v = static_cast<uint32_t>(v >= 0 ? v : -v);
  // 9 fractional bits: 7 from the 1 / (3 * 4096) input scale against the table's 1/24 step, 2 from the 3/4.
  const uint32_t index = abs_v >> 9;
  uint32_t result = 0x7FFFu << 10;  // saturated
  if (index < 255) {
    const uint32_t a = kSigmoidTableUint16[index];
    const uint32_t b = kSigmoidTableUint16[index + 1];
    result = (a << 9) + (abs_v & 0x1FFu) * (b - a);
  }
  // sigmoid(-x) = 1 - sigmoid(x); round to Q0.15 (Q0.16 table with 9 more bits, shifted right by 10).
  result = v >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1;
  return static_cast<int16_t>(result >> 10);
}

int16_t tanh_int16(int16_t x, Int16ActivationScaling s) {
  const int32_t v = scale_int16_input(x, s);
  const uint32_t abs_v = static_cast<uint32_t>(v >= 0 ? v : -v);
  // tanh(x) = 2 sigmoid(2x) - 1: the table is read at twice the logistic's rate (8 fractional bits).
  const uint32_t index = abs_v >> 8;
  int32_t result = 0xFFFF << 8;  // saturated
  if (index < 255) {
    const uint32_t a = kSigmoidTableUint16[index];
    const uint32_t b = kSigmoidTableUint16[index + 1];
    result = static_cast<int32_t>((a << 8) + (abs_v & 0xFFu) * (b - a));
  }
  result = v >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(result >> 8);  // arithmetic shift: floor
}

}  // namespace tinyopt::fxp
