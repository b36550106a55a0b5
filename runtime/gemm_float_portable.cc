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

// 16 columns of w at a time, copied 256 d at a time into a panel on the stack, then the tile above: the copy
// costs about what reading w costs, and the tile's column loops vectorize.
void small_rows_portable(const SmallRows& s) {
  constexpr int64_t kDepthChunk = 256;
  float panel[kDepthChunk * kTileCols];
  for (int64_t j0 = 0; j0 < s.n; j0 += kTileCols) {
    const int cols = static_cast<int>(std::min<int64_t>(kTileCols, s.n - j0));
    int64_t d0 = 0;
    do {  // at least once, so that k == 0 still writes 0 (+ bias, clamped)
      const int64_t depth = std::min(kDepthChunk, s.k - d0);
      for (int64_t d = 0; d < depth; ++d)
        for (int jj = 0; jj < kTileCols; ++jj)
          panel[d * kTileCols + jj] = jj < cols ? s.w[(j0 + jj) * s.k + d0 + d] : 0.0f;
      tile_portable({.a = s.a + d0, .a_rs = s.lda, .a_cs = 1, .b = panel, .b_rs = kTileCols, .depth = depth,
                     .rows = s.rows, .cols = cols, .b_padded = true, .c = s.c + j0, .ldc = s.ldc, .load_c = d0 > 0,
                     .finish = d0 + depth >= s.k, .bias = s.bias ? s.bias + j0 : nullptr, .do_clamp = s.do_clamp,
                     .clamp = s.clamp});
      d0 += depth;
    } while (d0 < s.k);
  }
}

}  // namespace tinyopt::gemm_tiles
