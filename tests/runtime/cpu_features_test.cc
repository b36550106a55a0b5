// tests/runtime/cpu_features_test.cc: ISA detection and forcing (runtime/cpu_features.h), and the GEMM variants
// (runtime/quantized_gemm.h) against each other on seeded random matrices: int16 rows, uint8 rows in the VNNI
// layout (portable loops, and the AVX-512 VNNI kernel where the CPU has it), one raw int8 row (multiply_row), exact
// int32 sums every time.
#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "runtime/cpu_features.h"
#include "runtime/quantized_gemm.h"
#include "runtime/quantized_gemm_vnni.h"
#include "tests/runtime/isa_variants.h"

namespace tinyopt {
namespace {

TEST_CASE("cpu features: portable is always supported, the best ISA is the last supported one") {
  const std::vector<Isa> isas = supported_isas();
  REQUIRE(!isas.empty());
  CHECK(isas.front() == Isa::Portable);
  CHECK(best_isa() == (isas.back() == Isa::Avx512Vnni ? isas[isas.size() - 2] : isas.back()));
  CHECK(cpu_features().supports(Isa::Portable));
  MESSAGE("CPU: " << cpu_feature_summary() << "; best ISA: " << isa_name(best_isa()));
  // AVX-512 VNNI implies the AVX2 variant's instructions too.
  if (cpu_features().supports(Isa::Avx512Vnni)) CHECK(cpu_features().supports(Isa::Avx2));
}

TEST_CASE("cpu features: ISA names parse back, unknown names and unsupported ISAs are errors naming them") {
  for (Isa isa : {Isa::Portable, Isa::Avx2, Isa::Avx512Vnni}) {
    Expected<Isa> p = parse_isa(isa_name(isa));
    REQUIRE(p.has_value());
    CHECK(*p == isa);
  }
  Expected<Isa> bad = parse_isa("sse9");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().to_string().find("unknown ISA 'sse9' (valid: portable, avx2, avx512vnni)") != std::string::npos);
  for (Isa isa : {Isa::Avx2, Isa::Avx512Vnni}) {
    if (cpu_features().supports(isa)) continue;
    const Isa before = active_isa();
    Expected<void> r = set_active_isa(isa);
    REQUIRE(!r.has_value());
    CHECK(r.error().to_string().find("does not support ISA '" + std::string(isa_name(isa)) + "'") != std::string::npos);
    CHECK(active_isa() == before);
  }
}

TEST_CASE("cpu features: TINYOPT_ISA forces a supported variant, rejects others") {
  const Isa before = active_isa();
  const char* old = std::getenv("TINYOPT_ISA");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TINYOPT_ISA", "portable", 1);
  Expected<Isa> p = select_isa_from_environment();
  REQUIRE(p.has_value());
  CHECK(*p == Isa::Portable);
  CHECK(active_isa() == Isa::Portable);
  ::setenv("TINYOPT_ISA", "avx3", 1);
  Expected<Isa> bad = select_isa_from_environment();
  REQUIRE(!bad.has_value());
  CHECK(bad.error().to_string().find("TINYOPT_ISA") != std::string::npos);
  if (saved) ::setenv("TINYOPT_ISA", saved->c_str(), 1);
  else ::unsetenv("TINYOPT_ISA");
  REQUIRE(set_active_isa(before).has_value());
}

TEST_CASE("int8 GEMM: every variant gives the exact int32 sums of the plain int16 product") {
  constexpr uint32_t kSeed = 20261202;
  std::mt19937 gen(kSeed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); };
  for (int iter = 0; iter < 40; ++iter) {
    const int rows = uniform(1, 19), cols = uniform(1, 70), depth = uniform(1, 300), zp = uniform(-128, 127);
    INFO("seed " << kSeed << " iteration " << iter << ": " << rows << "x" << cols << " depth " << depth);
    std::vector<int8_t> w(static_cast<size_t>(cols) * depth), x(static_cast<size_t>(rows) * depth);
    for (auto& v : w) v = static_cast<int8_t>(uniform(-127, 127));
    for (auto& v : x) v = static_cast<int8_t>(uniform(-128, 127));
    // Oracle: sum_k (x - zp) * w, plus a bias of 1000.
    std::vector<int32_t> want(static_cast<size_t>(rows) * cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) {
        int32_t acc = 1000;
        for (int k = 0; k < depth; ++k) acc += (x[r * depth + k] - zp) * w[c * depth + k];
        want[static_cast<size_t>(r) * cols + c] = acc;
      }
    for (Isa isa : test::tested_isas())
      for (bool emulate : {false, true})
      for (bool one_row : {false, true}) {  // packed for one-row products too: multiply() still takes any rows
        CAPTURE(isa_name(isa));
        CAPTURE(emulate);
        CAPTURE(one_row);
        set_unsigned_gemm_emulation(emulate);
        const Int8Gemm gemm(w.data(), cols, depth, isa, one_row);
        set_unsigned_gemm_emulation(false);
        CHECK(gemm.unsigned_rows() == (emulate || isa == Isa::Avx512Vnni));
        const int kp = gemm.row_stride();
        std::vector<uint8_t> a(static_cast<size_t>(rows) * gemm.row_bytes(), 0);
        for (int r = 0; r < rows; ++r)
          for (int k = 0; k < depth; ++k) {
            const int8_t v = x[r * depth + k];
            if (gemm.unsigned_rows()) a[static_cast<size_t>(r) * kp + k] = static_cast<uint8_t>(v + 128);
            else reinterpret_cast<int16_t*>(a.data())[static_cast<size_t>(r) * kp + k] = static_cast<int16_t>(v - zp);
          }
        std::vector<int32_t> got(want.size());
        gemm.multiply(a.data(), rows, got.data());
        const std::vector<int32_t> bias = gemm.unsigned_offset_bias(std::vector<int32_t>(cols, 1000), zp);
        for (size_t i = 0; i < got.size(); ++i) got[i] += bias[i % static_cast<size_t>(cols)];
        CHECK(got == want);
      }
  }
}

TEST_CASE("int8 GEMM: one raw int8 row (multiply_row) gives the exact sums, in every variant and for -128 weights") {
  constexpr uint32_t kSeed = 20261203;
  std::mt19937 gen(kSeed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); };
  for (int iter = 0; iter < 60; ++iter) {
    // Depths not a multiple of 4 (the partial last group), columns not a multiple of 8 (masked stores), extreme
    // zero points and activations of -128 (|x| = 128 must not overflow); every fourth case has a -128 weight,
    // outside the layout's range: the product then goes through an ordinary row.
    const int cols = uniform(1, 130), depth = uniform(1, 700);  // up to 17 blocks: tiles of 8, 4, 2 and 1
    const int zp = iter % 7 == 0 ? -128 : iter % 7 == 1 ? 127 : uniform(-128, 127);
    const bool has_min_weight = iter % 4 == 3;
    INFO("seed " << kSeed << " iteration " << iter << ": " << cols << " columns, depth " << depth << ", zp " << zp);
    std::vector<int8_t> w(static_cast<size_t>(cols) * depth), x(static_cast<size_t>(depth));
    for (auto& v : w) v = static_cast<int8_t>(iter % 5 == 0 ? (uniform(0, 1) ? 127 : -127) : uniform(-127, 127));
    for (auto& v : x) v = static_cast<int8_t>(iter % 5 == 0 ? -128 : uniform(-128, 127));
    if (has_min_weight) w[static_cast<size_t>(uniform(0, static_cast<int>(w.size()) - 1))] = -128;
    std::vector<int32_t> want(static_cast<size_t>(cols));
    for (int c = 0; c < cols; ++c)
      for (int k = 0; k < depth; ++k) want[static_cast<size_t>(c)] += (x[k] - zp) * w[static_cast<size_t>(c) * depth + k];
    for (Isa isa : test::tested_isas())
      for (bool emulate : {false, true}) {
        CAPTURE(isa_name(isa));
        CAPTURE(emulate);
        set_unsigned_gemm_emulation(emulate);
        const Int8Gemm gemm(w.data(), cols, depth, isa, /*one_row=*/true);
        set_unsigned_gemm_emulation(false);
        CHECK(gemm.takes_raw_row() == (isa == Isa::Avx2 && !emulate && !has_min_weight));
        // The row alone in an exactly sized buffer: a read past depth would show under the sanitizers.
        const std::vector<int8_t> row(x);
        std::vector<int32_t> got(want.size(), -1);
        gemm.multiply_row(row.data(), zp, got.data());
        CHECK(got == want);
      }
  }
}

}  // namespace
}  // namespace tinyopt
