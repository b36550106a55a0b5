// tests/runtime/quantized_requantize_test.cc: the vectorised per-channel output stage (runtime/quantized_requantize.h)
// of every supported ISA against fxp::multiply_by_quantized_multiplier on seeded random accumulators, biases,
// multipliers (0 or in [2^30, 2^31)) and shifts in [-31, 20] (and all <= 0: the loop without the left shift; and
// one multiplier and shift for every channel: the per-tensor loop),
// channel counts that are and are not multiples of 8 and 16, and the rounding ties of both roundings (accumulators that are multiples of powers of two).
#include <algorithm>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "runtime/fixed_point.h"
#include "runtime/quantized_requantize.h"
#include "tests/runtime/isa_variants.h"

namespace tinyopt {
namespace {

TEST_CASE("requantize_rows: every ISA equals multiply_by_quantized_multiplier, clamp and offset") {
  constexpr uint32_t kSeed = 1202;
  std::mt19937 gen(kSeed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(gen); };
  for (const bool right_only : {false, true})  // right_only: no channel shifts left, the loop without the shift
  for (const bool per_tensor : {false, true})  // one multiplier and shift for all: the loop that builds them once
  for (int channels : {1, 7, 8, 16, 21, 40, 64}) {
    CAPTURE(right_only);
    CAPTURE(per_tensor);
    const int rows = 40;
    std::vector<int32_t> bias(channels), multiplier(channels), shift(channels);
    for (int c = 0; c < channels; ++c) {
      shift[c] = static_cast<int32_t>(uniform(-31, right_only ? 0 : 20));  // real left shifts are small
      if (per_tensor && c > 0) shift[c] = shift[0];
      // |acc + bias| < 2^(29 - left shift): the shifted sum and the result stay far from int32 overflow.
      const int room = std::max(0, 27 - std::max(0, shift[c]));
      bias[c] = static_cast<int32_t>(uniform(-(int64_t{1} << room), int64_t{1} << room));
      multiplier[c] = c % 13 == 5 ? 0 : static_cast<int32_t>(uniform(int64_t{1} << 30, (int64_t{1} << 31) - 1));
      multiplier[c] = c % 11 == 3 ? 1 << 30 : multiplier[c];  // an exact half: SRDHM's ties
      if (per_tensor && c > 0) multiplier[c] = multiplier[0];
    }
    std::vector<int32_t> acc(static_cast<size_t>(rows) * channels);
    for (size_t i = 0; i < acc.size(); ++i) {
      const int left = std::max(0, shift[i % static_cast<size_t>(channels)]);
      const int magnitude = static_cast<int>(uniform(0, std::max(0, 27 - left)));
      int32_t v = static_cast<int32_t>(uniform(-(int64_t{1} << magnitude), int64_t{1} << magnitude));
      if (i % 5 == 0) v = static_cast<int32_t>(v / (1 << (magnitude / 2)) * (1 << (magnitude / 2)));  // ties
      acc[i] = v;
    }
    const int32_t offset = static_cast<int32_t>(uniform(-128, 127));
    // The left-shift loop must run when shifts may be positive: channel 0 shifts left by 1 if none drew one
    // (every channel if per-tensor; their accumulators stay below 2^28, far from overflow).
    if (!right_only && !requantize_any_left_shift(shift.data(), channels)) {
      for (int c = 0; c < (per_tensor ? channels : 1); ++c) shift[c] = 1;
    }
    const RequantizeChannels q{bias.data(), multiplier.data(), shift.data(), channels, offset, -128, 127,
                               requantize_any_left_shift(shift.data(), channels),
                               requantize_uniform(multiplier.data(), shift.data(), channels)};
    CHECK(q.any_left_shift == !right_only);
    CHECK(q.uniform == (per_tensor || channels == 1));
    std::vector<int8_t> want(acc.size());
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < channels; ++c) {
        const size_t i = static_cast<size_t>(r) * channels + c;
        const int32_t v = fxp::multiply_by_quantized_multiplier(acc[i] + bias[c], multiplier[c], shift[c]);
        want[i] = static_cast<int8_t>(fxp::clamp(v + offset, -128, 127));
      }
    for (Isa isa : test::tested_isas()) {
      CAPTURE(isa_name(isa));
      CAPTURE(channels);
      std::vector<int8_t> got(acc.size());
      requantize_rows(isa, q, acc.data(), rows, got.data());
      CHECK(got == want);
    }
  }
}

}  // namespace
}  // namespace tinyopt
