// runtime/gemm_float.cc: gemm_float() (see gemm_float.h): picks the ISA's pieces (gemm_float_tiles.h) and blocks.
//
// Stages:
//   1. B's shape in memory decides the path. Columns contiguous (b(d, j) = b[d * rs + j]: the backward products,
//      whose B is W or X as stored) -> tiles read B in place. B stored as TFLite weights w [n, k] with few rows
//      of A (batch-1 FULLY_CONNECTED) -> small_rows, which transposes w in registers. Otherwise (the forward
//      GEMMs) B is packed once per call into 16-column panels [n/16][k][16] in a per-thread buffer.
//   2. Blocking: d in blocks of kDepthBlock (a B block of 256 x 16 floats stays in L1 while every row tile of A
//      passes over it); partial sums go to c and are reloaded by the next block, which keeps each output's
//      order. Inside a block: 16-column panels, then tiles of 4 rows.
// Threads: none here; callers split work by samples (runtime/interpreter.h, train/trainer.h).
#include "runtime/gemm_float.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/gemm_float_tiles.h"

namespace tinyopt {
namespace {

using gemm_tiles::kTileCols;
using gemm_tiles::kTileRows;

constexpr int64_t kDepthBlock = 256;
// Below this many rows of A, packing w costs more than it saves: small_rows reads w [n, k] directly.
constexpr int64_t kSmallRowLimit = 16;

struct Variant {
  void (*tile)(const gemm_tiles::Tile&);
  void (*pack_columns)(const float*, int64_t, int64_t, float*);
  void (*small_rows)(const gemm_tiles::SmallRows&);
};

constexpr Variant kPortable{gemm_tiles::tile_portable, gemm_tiles::pack_columns_portable,
                            gemm_tiles::small_rows_portable};
constexpr Variant kAvx2{gemm_tiles::tile_avx2, gemm_tiles::pack_columns_avx2, gemm_tiles::small_rows_avx2};

const Variant& variant_for(Isa isa) {
  // avx512vnni machines have AVX2; there is no AVX-512 float variant (it could not be run here).
  return isa == Isa::Portable ? kPortable : kAvx2;
}

std::vector<float>& pack_buffer() {
  thread_local std::vector<float> buffer;
  return buffer;
}

// b(d, j) = b[d * b_rs + j]; `padded`: b is packed panels (b_rs = kTileCols, panel p at b + p * k * kTileCols).
void blocked(const Variant& v, FloatMatrixView a, const float* b, int64_t b_rs, bool padded, int64_t m, int64_t k,
             int64_t n, float* c, int64_t ldc, bool accumulate, const float* bias, FloatClamp clamp) {
  const bool do_clamp = std::isfinite(clamp.lo) || std::isfinite(clamp.hi);
  int64_t d0 = 0;
  do {  // k > 0 here (gemm_float handles k == 0)
    const int64_t depth = std::min(kDepthBlock, k - d0);
    const bool last = d0 + depth >= k;
    for (int64_t j0 = 0; j0 < n; j0 += kTileCols) {
      const float* bp = padded ? b + j0 * k + d0 * kTileCols : b + d0 * b_rs + j0;
      for (int64_t i0 = 0; i0 < m; i0 += kTileRows) {
        const gemm_tiles::Tile t{.a = a.data + i0 * a.row_stride + d0 * a.col_stride,
                                 .a_rs = a.row_stride,
                                 .a_cs = a.col_stride,
                                 .b = bp,
                                 .b_rs = b_rs,
                                 .depth = depth,
                                 .rows = static_cast<int>(std::min<int64_t>(kTileRows, m - i0)),
                                 .cols = static_cast<int>(std::min<int64_t>(kTileCols, n - j0)),
                                 .b_padded = padded,
                                 .c = c + i0 * ldc + j0,
                                 .ldc = ldc,
                                 .load_c = accumulate || d0 > 0,
                                 .finish = last,
                                 .bias = bias ? bias + j0 : nullptr,
                                 .do_clamp = do_clamp,
                                 .clamp = clamp};
        v.tile(t);
      }
    }
    d0 += depth;
  } while (d0 < k);
}

}  // namespace

void gemm_float(FloatMatrixView a, FloatMatrixView b, int64_t m, int64_t k, int64_t n, float* c, int64_t ldc,
                bool accumulate, const float* bias, FloatClamp clamp, Isa isa) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // no products: the canonical order is just the start value, the bias and the clamp
    const bool do_clamp = std::isfinite(clamp.lo) || std::isfinite(clamp.hi);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float acc = accumulate ? c[i * ldc + j] : 0.0f;
        if (bias != nullptr) acc = acc + bias[j];
        c[i * ldc + j] = do_clamp ? std::min(std::max(acc, clamp.lo), clamp.hi) : acc;
      }
    return;
  }
  const Variant& v = variant_for(isa);
  if (b.col_stride == 1) return blocked(v, a, b.data, b.row_stride, false, m, k, n, c, ldc, accumulate, bias, clamp);
  const bool weights_layout = b.row_stride == 1 && b.col_stride == k;  // B = w^T with w [n, k] row-major
  if (weights_layout && !accumulate && m < kSmallRowLimit && a.col_stride == 1) {
    const bool do_clamp = std::isfinite(clamp.lo) || std::isfinite(clamp.hi);
    for (int64_t i0 = 0; i0 < m; i0 += kTileRows)
      v.small_rows({.a = a.data + i0 * a.row_stride,
                    .lda = a.row_stride,
                    .rows = static_cast<int>(std::min<int64_t>(kTileRows, m - i0)),
                    .w = b.data,
                    .k = k,
                    .n = n,
                    .bias = bias,
                    .do_clamp = do_clamp,
                    .clamp = clamp,
                    .c = c + i0 * ldc,
                    .ldc = ldc});
    return;
  }
  std::vector<float>& packed = pack_buffer();
  packed.resize(static_cast<size_t>(gemm_tiles::packed_floats(k, n)));
  if (weights_layout) {
    v.pack_columns(b.data, k, n, packed.data());
  } else {  // any other strides (not used by the kernels today): the same panels, element by element
    for (int64_t j = 0; j < (n + kTileCols - 1) / kTileCols * kTileCols; ++j)
      for (int64_t d = 0; d < k; ++d)
        packed[static_cast<size_t>(((j / kTileCols) * k + d) * kTileCols + j % kTileCols)] =
            j < n ? b.data[d * b.row_stride + j * b.col_stride] : 0.0f;
  }
  blocked(v, a, packed.data(), kTileCols, true, m, k, n, c, ldc, accumulate, bias, clamp);
}

void gemm_bias_act_float(const float* a, const float* w, const float* bias, int64_t m, int64_t k, int64_t n,
                         FloatClamp clamp, float* out) {
  gemm_float({a, k, 1}, {w, 1, k}, m, k, n, out, n, false, bias, clamp);
}

}  // namespace tinyopt
