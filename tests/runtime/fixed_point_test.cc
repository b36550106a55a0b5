// tests/runtime/fixed_point_test.cc: the integer arithmetic of runtime/fixed_point.h on values worked out by hand
// (rounding directions, saturation, multiplier derivation edge cases) and gemmlowp's fixed-point functions
// against double-precision math.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "runtime/fixed_point.h"

namespace tinyopt::fxp {
namespace {

constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
constexpr int32_t kMin = std::numeric_limits<int32_t>::min();

TEST_CASE("quantize_multiplier: frexp mantissa, renormalisation, flush to zero") {
  CHECK(quantize_multiplier(0.0) == QuantizedMultiplier{0, 0});
  CHECK(quantize_multiplier(0.5) == QuantizedMultiplier{1 << 30, 0});        // 0.5 = 0.5 * 2^0
  CHECK(quantize_multiplier(1.0) == QuantizedMultiplier{1 << 30, 1});        // 1.0 = 0.5 * 2^1
  CHECK(quantize_multiplier(0.75) == QuantizedMultiplier{1610612736, 0});    // 0.75 * 2^31
  CHECK(quantize_multiplier(4.0) == QuantizedMultiplier{1 << 30, 3});        // multiplier > 1: left shift 3
  // A mantissa that rounds to 2^31 is halved and the exponent incremented: 1 - 2^-40 -> 0.5 * 2^1.
  CHECK(quantize_multiplier(1.0 - std::ldexp(1.0, -40)) == QuantizedMultiplier{1 << 30, 1});
  // Below 2^-31 (exponent < -31) the multiplier flushes to zero.
  CHECK(quantize_multiplier(std::ldexp(1.0, -33)) == QuantizedMultiplier{0, 0});
  CHECK(quantize_multiplier(std::ldexp(1.0, -32)) == QuantizedMultiplier{1 << 30, -31});
}

TEST_CASE("saturating_rounding_doubling_high_mul and rounding_divide_by_pot round as gemmlowp") {
  CHECK(saturating_rounding_doubling_high_mul(kMin, kMin) == kMax);  // the one overflow case saturates
  CHECK(saturating_rounding_doubling_high_mul(kMax, kMax) == kMax - 1);
  // -35 * 0.5 = -17.5: the negative nudge (1 - 2^30) makes the tie go toward zero -> -17.
  CHECK(saturating_rounding_doubling_high_mul(-35, 1 << 30) == -17);
  CHECK(saturating_rounding_doubling_high_mul(35, 1 << 30) == 18);   // +17.5 -> 18
  CHECK(rounding_divide_by_pot(5, 1) == 3);    // 2.5 -> 3 (ties away from zero)
  CHECK(rounding_divide_by_pot(-5, 1) == -3);  // -2.5 -> -3
  CHECK(rounding_divide_by_pot(-6, 2) == -2);  // -1.5 -> -2
  CHECK(rounding_divide_by_pot(-17, 2) == -4); // -4.25 -> -4
  CHECK(rounding_divide_by_pot(7, 0) == 7);
  CHECK(rounding_divide_by_pot(kMax, 31) == 1);
}

TEST_CASE("multiply_by_quantized_multiplier: the double rounding of TFLM's default path") {
  // 0.125 = 2^30 * 2^-2 / 2^31. -35 * 0.125 = -4.375: SRDHM gives -17 (of -17.5), then /4 -> -4.25 -> -4.
  const QuantizedMultiplier eighth = quantize_multiplier(0.125);
  CHECK(multiply_by_quantized_multiplier(-35, eighth.multiplier, eighth.shift) == -4);
  // 0.75 * 10 = 7.5 -> 8; x4 (shift 3, mantissa 0.5): 10 * 4 = 40.
  const QuantizedMultiplier m075 = quantize_multiplier(0.75);
  CHECK(multiply_by_quantized_multiplier(10, m075.multiplier, m075.shift) == 8);
  const QuantizedMultiplier four = quantize_multiplier(4.0);
  CHECK(multiply_by_quantized_multiplier(10, four.multiplier, four.shift) == 40);
  CHECK(multiply_by_quantized_multiplier(-10, four.multiplier, four.shift) == -40);
  // Flushed multiplier: everything maps to 0.
  CHECK(multiply_by_quantized_multiplier(123456, 0, 0) == 0);
  // 64-bit path (16x8): multiplier reduced to Q15 (2^30 -> 16384); 1000 * 0.5 = 500 exactly, 1001 * 0.5 =
  // 500.5 -> (1001 * 16384 + 2^14) >> 15 = 501.
  CHECK(multiply_by_quantized_multiplier(int64_t{1000}, 1 << 30, 0) == 500);
  CHECK(multiply_by_quantized_multiplier(int64_t{1001}, 1 << 30, 0) == 501);
  CHECK(multiply_by_quantized_multiplier(int64_t{-1001}, 1 << 30, 0) == -500);  // -500.5 + 0.5 floors to -500
}

TEST_CASE("softmax scaling and input radius") {
  // beta 1, input scale 1/16: 1/16 * 2^26 = 2^22 -> mantissa 2^30, left shift 23.
  const QuantizedMultiplier m = softmax_input_scaling(1.0, 1.0 / 16, 5);
  CHECK(m == QuantizedMultiplier{1 << 30, 23});
  // radius = floor(31 * 2^26 / 2^23) = 248
  CHECK(input_radius(5, 23) == 248);
}

TEST_CASE("gemmlowp exp, 1/(1+x), logistic and tanh agree with double math (~2^-22)") {
  const double q31 = std::ldexp(1.0, 31);
  CHECK(exp_on_negative_values(0, 5) == kMax);
  for (double x : {-0.01, -0.25, -0.5, -1.0, -2.5, -7.0, -15.9}) {
    const int32_t a = static_cast<int32_t>(std::lround(x * std::ldexp(1.0, 26)));  // Q5.26
    const double got = exp_on_negative_values(a, 5) / q31;
    CHECK(std::abs(got - std::exp(x)) < 5e-7);  // gemmlowp exp is accurate to ~2^-22
  }
  for (double x : {0.0, 0.25, 0.5, 0.9}) {
    const double got = one_over_one_plus_x_for_x_in_0_1(static_cast<int32_t>(std::lround(x * q31))) / q31;
    CHECK(std::abs(got - 1.0 / (1.0 + x)) < 1e-7);
  }
  CHECK(logistic(0, 4) == 1 << 30);
  CHECK(tanh(0, 4) == 0);
  for (double x : {-7.5, -1.0, -0.1, 0.1, 1.0, 3.0, 7.5}) {
    const int32_t a = static_cast<int32_t>(std::lround(x * std::ldexp(1.0, 27)));  // Q4.27
    CHECK(std::abs(logistic(a, 4) / q31 - 1.0 / (1.0 + std::exp(-x))) < 1e-7);
    CHECK(std::abs(tanh(a, 4) / q31 - std::tanh(x)) < 1e-7);
  }
  // Barrel-shifter constants are round(exp(-2^k) * 2^31).
  CHECK(std::lround(std::exp(-0.25) * q31) == 1672461947);
  CHECK(std::lround(std::exp(-16.0) * q31) == 242);
}

TEST_CASE("hard-swish int16 helpers") {
  CHECK(downscale_multiplier_to_int16(1 << 30) == 16384);
  CHECK(downscale_multiplier_to_int16(kMax) == 32767);
  CHECK(saturating_left_shift(int16_t{20000}, 1) == 32767);
  CHECK(saturating_left_shift(int16_t{-20000}, 1) == -32768);
  CHECK(saturating_doubling_high_mul(int16_t{-32768}, int16_t{-32768}) == 32767);
  CHECK(saturating_doubling_high_mul(int16_t{16384}, int16_t{-3}) == -1);  // -1.5 truncates toward zero
  CHECK(saturating_rounding_doubling_high_mul(int16_t{16384}, int16_t{-3}) == -1);  // -1.5: tie toward zero
  CHECK(saturating_rounding_doubling_high_mul(int16_t{16384}, int16_t{3}) == 2);    // +1.5 -> 2
}

}  // namespace
}  // namespace tinyopt::fxp
