// runtime/gemm_float_tiles.h: the per-ISA pieces gemm_float() (runtime/gemm_float.cc) is assembled from. Each
// ISA provides the same three functions; gemm_float.cc owns the blocking and calls them. Every function keeps
// the canonical order of gemm_float.h for each output element it writes.
//   tile          up to kTileRows x kTileCols outputs over a run of d, B given as rows of contiguous columns
//   pack_columns  B stored as w [n, k] (one output channel per row) -> panels [n/16][k][16], zero-padded
//   small_rows    up to kTileRows rows of a * w^T straight from w [n, k] (no packing; few rows, e.g. batch 1)
// Portable versions: gemm_float_portable.cc; AVX2: gemm_float_avx2.cc (target attribute, no FMA).
#pragma once

#include <cstdint>

#include "runtime/gemm_float.h"

namespace tinyopt::gemm_tiles {

inline constexpr int kTileRows = 4;
inline constexpr int kTileCols = 16;

// What a tile computes: for r < rows, j < cols:
//   acc = load_c ? c[r * ldc + j] : 0;  for d < depth: acc += a[r * a_rs + d * a_cs] * b[d * b_rs + j];
//   if finish: acc += bias[j] (bias non-null), clamp (when do_clamp);  c[r * ldc + j] = acc.
// b's row holds at least `cols` readable floats (exactly `cols` when cols < kTileCols unless b_padded).
struct Tile {
  const float* a;
  int64_t a_rs, a_cs;
  const float* b;
  int64_t b_rs;
  int64_t depth;
  int rows, cols;
  bool b_padded;  // b rows hold kTileCols readable floats even when cols < kTileCols (packed panels)
  float* c;
  int64_t ldc;
  bool load_c, finish;
  const float* bias;  // already offset to the tile's first column
  bool do_clamp;
  FloatClamp clamp;
};

// Rows of a * w^T for the unpacked path: out[r * ldc + j] = clamp(sum_d a[r * lda + d] * w[j * k + d] + bias[j])
// for r < rows (<= kTileRows), j < n; acc starts at 0 (no accumulate mode).
struct SmallRows {
  const float* a;
  int64_t lda;
  int rows;
  const float* w;
  int64_t k, n;
  const float* bias;
  bool do_clamp;
  FloatClamp clamp;
  float* c;
  int64_t ldc;
};

void tile_portable(const Tile& t);
void pack_columns_portable(const float* w, int64_t k, int64_t n, float* packed);
void small_rows_portable(const SmallRows& s);

void tile_avx2(const Tile& t);
void pack_columns_avx2(const float* w, int64_t k, int64_t n, float* packed);
void small_rows_avx2(const SmallRows& s);

// Floats pack_columns writes for w [n, k].
inline int64_t packed_floats(int64_t k, int64_t n) { return (n + kTileCols - 1) / kTileCols * kTileCols * k; }

}  // namespace tinyopt::gemm_tiles
