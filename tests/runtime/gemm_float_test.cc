// tests/runtime/gemm_float_test.cc: every ISA variant of the float GEMM (runtime/gemm_float.h) gives the canonical
// summation order bit for bit: hand-checked sums where another order or an FMA would give a different float, and
// random shapes (row and column tails, depths across the 256-deep blocks, both B layouts, accumulate mode, bias,
// clamps) against the order written out plainly here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ir/rng.h"
#include "runtime/gemm_float.h"
#include "tests/runtime/isa_variants.h"

namespace tinyopt {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Not inlined, so that no compiler flag can fuse the product into the following add.
[[gnu::noinline]] float product(float a, float b) { return a * b; }

// The canonical order of gemm_float.h, element by element.
void reference(FloatMatrixView a, FloatMatrixView b, int64_t m, int64_t k, int64_t n, float* c, int64_t ldc,
               bool accumulate, const float* bias, FloatClamp clamp) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = accumulate ? c[i * ldc + j] : 0.0f;
      for (int64_t d = 0; d < k; ++d)
        acc = acc + product(a.data[i * a.row_stride + d * a.col_stride], b.data[d * b.row_stride + j * b.col_stride]);
      if (bias) acc = acc + bias[j];
      c[i * ldc + j] = std::min(std::max(acc, clamp.lo), clamp.hi);
    }
}

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("gemm_float: sums run over d in order, one rounding for the product and one for the add") {
  // Row [1e8, 1, -1e8] . [1, 1, 1]: in order, 1e8 + 1 rounds back to 1e8 (float spacing there is 8), then
  // 1e8 - 1e8 = 0. Pairing 1e8 with -1e8 first would give 1. 5 rows x 20 columns: row and column tails.
  // Row [-(1 + 2^-11), 1 + 2^-12] . [1, 1 + 2^-12]: the second product is 1 + 2^-11 + 2^-24, which rounds (a tie,
  // to even) to 1 + 2^-11, so the sum is 0; an FMA would keep the 2^-24.
  const float e = std::ldexp(1.0f, -12);
  for (Isa isa : test::tested_isas()) {
    CAPTURE(isa_name(isa));
    const int m = 5, n = 20;
    std::vector<float> a, w(static_cast<size_t>(n) * 3, 1.0f), bias(n, 0.5f), out(m * n, -1.0f);
    for (int i = 0; i < m; ++i) a.insert(a.end(), {1e8f, 1.0f, -1e8f});
    gemm_float({a.data(), 3, 1}, {w.data(), 1, 3}, m, 3, n, out.data(), n, false, nullptr, {-kInf, kInf}, isa);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 0.0f; }));
    gemm_float({a.data(), 3, 1}, {w.data(), 1, 3}, m, 3, n, out.data(), n, false, bias.data(), {-kInf, kInf}, isa);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 0.5f; }));

    const float x[2] = {-(1.0f + 2 * e), 1.0f + e}, y[2] = {1.0f, 1.0f + e};
    for (int64_t rows : {1, 20}) {  // the unpacked few-row path and the packed one
      std::vector<float> xa, yw, r(static_cast<size_t>(rows) * 9, -1.0f);
      for (int64_t i = 0; i < rows; ++i) xa.insert(xa.end(), x, x + 2);
      for (int j = 0; j < 9; ++j) yw.insert(yw.end(), y, y + 2);
      gemm_float({xa.data(), 2, 1}, {yw.data(), 1, 2}, rows, 2, 9, r.data(), 9, false, nullptr, {-kInf, kInf}, isa);
      CHECK(std::all_of(r.begin(), r.end(), [](float v) { return v == 0.0f; }));
    }
  }
}

TEST_CASE("gemm_float: every ISA variant equals the canonical order bit for bit on random shapes") {
  Rng rng(20261202);
  const std::vector<Isa> isas = test::tested_isas();
  const FloatClamp clamps[] = {{-kInf, kInf}, {0.0f, kInf}, {0.0f, 6.0f}, {-1.0f, 1.0f}};
  for (int trial = 0; trial < 120; ++trial) {
    const int64_t m = 1 + static_cast<int64_t>(rng.below(trial % 3 == 0 ? 40 : 17));
    const int64_t k = static_cast<int64_t>(rng.below(trial % 4 == 0 ? 700 : 70));
    const int64_t n = 1 + static_cast<int64_t>(rng.below(70));
    const int layout = trial % 3;  // 0: forward (w [n, k]); 1: B [k, n] as stored; 2: A transposed, B [k, n]
    const bool accumulate = layout != 0 && rng.below(2) == 1;
    const bool with_bias = rng.below(2) == 1;
    const FloatClamp clamp = clamps[rng.below(4)];
    CAPTURE(trial);
    CAPTURE(m);
    CAPTURE(k);
    CAPTURE(n);
    CAPTURE(layout);
    CAPTURE(accumulate);
    std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), bias(static_cast<size_t>(n));
    std::vector<float> c0(static_cast<size_t>(m * (n + 3)));
    for (float& v : a) v = rng.uniform(-2.0f, 2.0f);
    for (float& v : b) v = rng.uniform(-1.0f, 1.0f);
    for (float& v : bias) v = rng.uniform(-1.0f, 1.0f);
    for (float& v : c0) v = rng.uniform(-3.0f, 3.0f);
    const int64_t ldc = n + 3;  // a row stride wider than n: the columns beyond n must stay untouched
    const FloatMatrixView av = layout == 2 ? FloatMatrixView{a.data(), 1, m} : FloatMatrixView{a.data(), k, 1};
    const FloatMatrixView bv = layout == 0 ? FloatMatrixView{b.data(), 1, k} : FloatMatrixView{b.data(), n, 1};
    std::vector<float> want = c0;
    reference(av, bv, m, k, n, want.data(), ldc, accumulate, with_bias ? bias.data() : nullptr, clamp);
    for (Isa isa : isas) {
      CAPTURE(isa_name(isa));
      std::vector<float> got = c0;
      gemm_float(av, bv, m, k, n, got.data(), ldc, accumulate, with_bias ? bias.data() : nullptr, clamp, isa);
      CHECK(same_bits(got, want));
    }
  }
}

TEST_CASE("gemm_float: the active ISA is the default variant; gemm_bias_act_float is the forward layout") {
  Rng rng(7);
  const int64_t m = 33, k = 300, n = 19;
  std::vector<float> a(m * k), w(n * k), bias(n), want(m * n), got(m * n);
  for (float& v : a) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : w) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : bias) v = rng.uniform(-1.0f, 1.0f);
  reference({a.data(), k, 1}, {w.data(), 1, k}, m, k, n, want.data(), n, false, bias.data(), {0.0f, 6.0f});
  for (Isa isa : test::tested_isas()) {
    CAPTURE(isa_name(isa));
    ScopedIsa scoped(isa);
    std::fill(got.begin(), got.end(), -7.0f);
    gemm_bias_act_float(a.data(), w.data(), bias.data(), m, k, n, {0.0f, 6.0f}, got.data());
    CHECK(same_bits(got, want));
  }
}

}  // namespace tinyopt
