// runtime/gemm_float_portable.cc: the reference pieces of the float GEMM (gemm_float_tiles.h) in plain C++.
// Each output's sum runs over d in order with a separate multiply and add; the compiler may vectorize the loops
// over columns j (independent outputs), which keeps that order, and does not reorder a float sum over d
// without -ffast-math (-fassociative-math), which this project never uses.
#include <algorithm>

#include "runtime/gemm_float_tiles.h"

namespace tinyopt::gemm_tiles {
namespace {

float finish_one(float acc, const float* bias, int64_t j, bool do_clamp, FloatClamp clamp) {
  if (bias != nullptr) acc = acc + bias[j];
  if (do_clamp) acc = std::min(std::max(acc, clamp.lo), clamp.hi);
  return acc;
}

}  // namespace

void tile_portable(const Tile& t) {
  float acc[kTileRows][kTileCols];
  for (int r = 0; r < t.rows; ++r)
    for (int j = 0; j < t.cols; ++j) acc[r][j] = t.load_c ? t.c[r * t.ldc + j] : 0.0f;
  for (int64_t d = 0; d < t.depth; ++d) {
    const float* brow = t.b + d * t.b_rs;
    for (int r = 0; r < t.rows; ++r) {
      const float x = t.a[r * t.a_rs + d * t.a_cs];
      for (int j = 0; j < t.cols; ++j) acc[r][j] = acc[r][j] + x * brow[j];
    }
  }
  for (int r = 0; r < t.rows; ++r)
    for (int j = 0; j < t.cols; ++j)
      t.c[r * t.ldc + j] = t.finish ? finish_one(acc[r][j], t.bias, j, t.do_clamp, t.clamp) : acc[r][j];
}

void pack_columns_portable(const float* w, int64_t k, int64_t n, float* packed) {
  const int64_t panels = (n + kTileCols - 1) / kTileCols;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t d = 0; d < k; ++d)
      for (int jj = 0; jj < kTileCols; ++jj) {
        const int64_t j = p * kTileCols + jj;
        packed[(p * k + d) * kTileCols + jj] = j < n ? w[j * k + d] : 0.0f;
      }
}

void small_rows_portable(const SmallRows& s) {
  for (int r = 0; r < s.rows; ++r)
    for (int64_t j = 0; j < s.n; ++j) {
      const float* a = s.a + r * s.lda;
      const float* w = s.w + j * s.k;
      float acc = 0.0f;
      for (int64_t d = 0; d < s.k; ++d) acc = acc + a[d] * w[d];
      s.c[r * s.ldc + j] = finish_one(acc, s.bias, j, s.do_clamp, s.clamp);
    }
}

}  // namespace tinyopt::gemm_tiles
