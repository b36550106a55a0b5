// runtime/gemm_float_avx2.cc: the AVX2 pieces of the float GEMM (gemm_float_tiles.h). Only the functions marked
// kAvx2Target use AVX2, through the target attribute (as runtime/quantized_gemm.cc does), so the rest of the
// binary stays baseline x86-64. FMA is deliberately not enabled: a fused multiply-add rounds once where the
// canonical order (gemm_float.h) rounds the product and then the sum, and GCC would contract mul + add
// intrinsics into vfmadd when FMA is on. On Zen-class cores separate vmulps / vaddps issue on different pipes,
// so the peak is the same 16 multiply-adds per cycle.
//   tile        4 rows x 16 columns: 8 ymm accumulators; per d two B loads and one broadcast of A per row.
//   small_rows  8 output channels at a time: 8 rows of w [n, k] x 8 d, transposed in registers (8x8), then 8
//               steps of broadcast-multiply-add per row of A. No packed copy, so batch-1 layers read w once.
//   pack        the same 8x8 transposes, stored as 16-column panels.
// Partial column tiles load and store under a mask; lanes beyond n compute on zeros or on a repeated row and
// are never stored.
#include "runtime/gemm_float_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

namespace tinyopt::gemm_tiles {
namespace {

#define kAvx2Target __attribute__((target("avx2")))

kAvx2Target inline __m256i first_lanes(int count) {  // lanes < count all ones
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// In place: t[q] holding row q (8 values) becomes column q (value q of each row).
[[gnu::always_inline]] kAvx2Target inline void transpose8(__m256* t) {
  const __m256 a0 = _mm256_unpacklo_ps(t[0], t[1]), a1 = _mm256_unpackhi_ps(t[0], t[1]);
  const __m256 a2 = _mm256_unpacklo_ps(t[2], t[3]), a3 = _mm256_unpackhi_ps(t[2], t[3]);
  const __m256 a4 = _mm256_unpacklo_ps(t[4], t[5]), a5 = _mm256_unpackhi_ps(t[4], t[5]);
  const __m256 a6 = _mm256_unpacklo_ps(t[6], t[7]), a7 = _mm256_unpackhi_ps(t[6], t[7]);
  const __m256 b0 = _mm256_shuffle_ps(a0, a2, 0x44), b1 = _mm256_shuffle_ps(a0, a2, 0xEE);
  const __m256 b2 = _mm256_shuffle_ps(a1, a3, 0x44), b3 = _mm256_shuffle_ps(a1, a3, 0xEE);
  const __m256 b4 = _mm256_shuffle_ps(a4, a6, 0x44), b5 = _mm256_shuffle_ps(a4, a6, 0xEE);
  const __m256 b6 = _mm256_shuffle_ps(a5, a7, 0x44), b7 = _mm256_shuffle_ps(a5, a7, 0xEE);
  t[0] = _mm256_permute2f128_ps(b0, b4, 0x20), t[1] = _mm256_permute2f128_ps(b1, b5, 0x20);
  t[2] = _mm256_permute2f128_ps(b2, b6, 0x20), t[3] = _mm256_permute2f128_ps(b3, b7, 0x20);
  t[4] = _mm256_permute2f128_ps(b0, b4, 0x31), t[5] = _mm256_permute2f128_ps(b1, b5, 0x31);
  t[6] = _mm256_permute2f128_ps(b2, b6, 0x31), t[7] = _mm256_permute2f128_ps(b3, b7, 0x31);
}

// t[dd] = (w[0][d0 + dd], ..., w[7][d0 + dd]): each 128-bit half of a register is loaded from rows q and q + 4
// (insertf128 from memory), leaving two in-lane 4x4 transposes: 16 shuffles where transpose8 needs 24.
[[gnu::always_inline]] kAvx2Target inline void load_transposed8(const float* const* w, int64_t d0, __m256* t) {
  for (int half = 0; half < 2; ++half) {
    __m256 r[4];
    for (int q = 0; q < 4; ++q)
      r[q] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(w[q] + d0 + 4 * half)),
                                  _mm_loadu_ps(w[q + 4] + d0 + 4 * half), 1);
    const __m256 a0 = _mm256_unpacklo_ps(r[0], r[1]), a1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 a2 = _mm256_unpacklo_ps(r[2], r[3]), a3 = _mm256_unpackhi_ps(r[2], r[3]);
    t[4 * half + 0] = _mm256_shuffle_ps(a0, a2, 0x44), t[4 * half + 1] = _mm256_shuffle_ps(a0, a2, 0xEE);
    t[4 * half + 2] = _mm256_shuffle_ps(a1, a3, 0x44), t[4 * half + 3] = _mm256_shuffle_ps(a1, a3, 0xEE);
  }
}

// acc + bias, then min(max(acc, lo), hi) with std::max / std::min's NaN behaviour (max_ps returns its second
// operand when either is NaN, so max_ps(lo, acc) keeps a NaN acc as std::max(acc, lo) does).
[[gnu::always_inline]] kAvx2Target inline __m256 finish8(__m256 acc, const float* bias, __m256i mask, bool masked,
                                                         bool do_clamp, FloatClamp clamp) {
  if (bias != nullptr) acc = _mm256_add_ps(acc, masked ? _mm256_maskload_ps(bias, mask) : _mm256_loadu_ps(bias));
  if (do_clamp) acc = _mm256_min_ps(_mm256_set1_ps(clamp.hi), _mm256_max_ps(_mm256_set1_ps(clamp.lo), acc));
  return acc;
}

enum TileMode { kFull, kMaskedB, kMaskedPaddedB };  // cols == 16; cols < 16 reading B under the mask; B padded

template <int R, TileMode kMode>
kAvx2Target void tile_rows(const Tile& t) {
  constexpr bool kMasked = kMode != kFull;
  const __m256i m0 = first_lanes(std::min(t.cols, 8)), m1 = first_lanes(t.cols - 8);
  __m256 acc[R][2];
  for (int r = 0; r < R; ++r) {
    float* c = t.c + r * t.ldc;
    if (!t.load_c) {
      acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    } else if (kMasked) {
      acc[r][0] = _mm256_maskload_ps(c, m0), acc[r][1] = _mm256_maskload_ps(c + 8, m1);
    } else {
      acc[r][0] = _mm256_loadu_ps(c), acc[r][1] = _mm256_loadu_ps(c + 8);
    }
  }
  const float* a = t.a;
  const float* b = t.b;
  for (int64_t d = 0; d < t.depth; ++d, a += t.a_cs, b += t.b_rs) {
    __m256 b0, b1;
    if (kMode == kMaskedB) {
      b0 = _mm256_maskload_ps(b, m0), b1 = _mm256_maskload_ps(b + 8, m1);
    } else {
      b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * t.a_rs);
      acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_mul_ps(x, b0));
      acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_mul_ps(x, b1));
    }
  }
  for (int r = 0; r < R; ++r) {
    __m256 v0 = acc[r][0], v1 = acc[r][1];
    if (t.finish) {
      v0 = finish8(v0, t.bias, m0, kMasked, t.do_clamp, t.clamp);
      v1 = finish8(v1, t.bias ? t.bias + 8 : nullptr, m1, kMasked, t.do_clamp, t.clamp);
    }
    float* c = t.c + r * t.ldc;
    if (kMasked) {
      _mm256_maskstore_ps(c, m0, v0), _mm256_maskstore_ps(c + 8, m1, v1);
    } else {
      _mm256_storeu_ps(c, v0), _mm256_storeu_ps(c + 8, v1);
    }
  }
}

template <int R>
void tile_mode(const Tile& t) {
  if (t.cols == kTileCols) tile_rows<R, kFull>(t);
  else if (t.b_padded) tile_rows<R, kMaskedPaddedB>(t);
  else tile_rows<R, kMaskedB>(t);
}

// G groups of 8 output channels from j0 (G * 8 columns), R rows of A. Each output's sum is one dependent chain
// of adds (3 cycles each), so R * G independent chains are kept in flight (kChains) to fill the adders.
template <int R, int G>
kAvx2Target void small_rows_groups(const SmallRows& s, int64_t j0) {
  const float* w[G][8];
  for (int g = 0; g < G; ++g)
    for (int q = 0; q < 8; ++q)  // rows beyond n repeat the last row; their lanes are not stored
      w[g][q] = s.w + std::min<int64_t>(j0 + 8 * g + q, s.n - 1) * s.k;
  __m256 acc[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = _mm256_setzero_ps();
  __m256 t[8];
  int64_t d0 = 0;
  for (; d0 + 8 <= s.k; d0 += 8)
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      load_transposed8(w[g], d0, t);
#pragma GCC unroll 8
      for (int dd = 0; dd < 8; ++dd)
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r)
          acc[r][g] = _mm256_add_ps(acc[r][g], _mm256_mul_ps(_mm256_broadcast_ss(s.a + r * s.lda + d0 + dd), t[dd]));
    }
  if (const int rem = static_cast<int>(s.k - d0); rem > 0) {
    const __m256i mask = first_lanes(rem);
    for (int g = 0; g < G; ++g) {
      for (int q = 0; q < 8; ++q) t[q] = _mm256_maskload_ps(w[g][q] + d0, mask);
      transpose8(t);
      for (int dd = 0; dd < rem; ++dd)
        for (int r = 0; r < R; ++r)
          acc[r][g] = _mm256_add_ps(acc[r][g], _mm256_mul_ps(_mm256_broadcast_ss(s.a + r * s.lda + d0 + dd), t[dd]));
    }
  }
  for (int g = 0; g < G; ++g) {
    const int64_t c0 = j0 + 8 * g;
    const int cols = static_cast<int>(std::min<int64_t>(8, s.n - c0));
    if (cols <= 0) break;
    const __m256i mask = first_lanes(cols);
    for (int r = 0; r < R; ++r) {
      const __m256 v = finish8(acc[r][g], s.bias ? s.bias + c0 : nullptr, mask, cols < 8, s.do_clamp, s.clamp);
      float* c = s.c + r * s.ldc + c0;
      if (cols < 8) _mm256_maskstore_ps(c, mask, v);
      else _mm256_storeu_ps(c, v);
    }
  }
}

constexpr int kChains = 4;  // adds in flight: 2 adders x ~2 cycles of latency each would do; 4 leaves headroom

template <int R>
void small_rows_n(const SmallRows& s) {
  constexpr int kMaxGroups = std::max(1, kChains / R);
  for (int64_t j0 = 0; j0 < s.n;) {
    const int64_t groups = std::min<int64_t>(kMaxGroups, (s.n - j0 + 7) / 8);
    if constexpr (kMaxGroups >= 4) {
      if (groups >= 3) { small_rows_groups<R, kMaxGroups>(s, j0); j0 += 8 * kMaxGroups; continue; }
    }
    if constexpr (kMaxGroups >= 2) {
      if (groups >= 2) { small_rows_groups<R, 2>(s, j0); j0 += 16; continue; }
    }
    small_rows_groups<R, 1>(s, j0);
    j0 += 8;
  }
}

}  // namespace

void tile_avx2(const Tile& t) {
  switch (t.rows) {
    case 1: return tile_mode<1>(t);
    case 2: return tile_mode<2>(t);
    case 3: return tile_mode<3>(t);
    default: return tile_mode<4>(t);
  }
}

void small_rows_avx2(const SmallRows& s) {
  switch (s.rows) {
    case 1: return small_rows_n<1>(s);
    case 2: return small_rows_n<2>(s);
    case 3: return small_rows_n<3>(s);
    default: return small_rows_n<4>(s);
  }
}

kAvx2Target void pack_columns_avx2(const float* w, int64_t k, int64_t n, float* packed) {
  const int64_t panels = (n + kTileCols - 1) / kTileCols;
  __m256 t[8];
  for (int64_t p = 0; p < panels; ++p)
    for (int half = 0; half < 2; ++half) {
      const int64_t j0 = p * kTileCols + half * 8;
      float* dst = packed + p * k * kTileCols + half * 8;
      for (int64_t d0 = 0; d0 < k; d0 += 8) {
        const int rem = static_cast<int>(std::min<int64_t>(8, k - d0));
        const __m256i mask = first_lanes(rem);
        for (int q = 0; q < 8; ++q)
          t[q] = j0 + q >= n ? _mm256_setzero_ps()
                 : rem == 8  ? _mm256_loadu_ps(w + (j0 + q) * k + d0)
                             : _mm256_maskload_ps(w + (j0 + q) * k + d0, mask);
        transpose8(t);
        for (int dd = 0; dd < rem; ++dd) _mm256_storeu_ps(dst + (d0 + dd) * kTileCols, t[dd]);
      }
    }
}

}  // namespace tinyopt::gemm_tiles

#else  // not x86-64: active_isa() is never avx2 there; the portable pieces stand in

namespace tinyopt::gemm_tiles {
void tile_avx2(const Tile& t) { tile_portable(t); }
void pack_columns_avx2(const float* w, int64_t k, int64_t n, float* packed) { pack_columns_portable(w, k, n, packed); }
void small_rows_avx2(const SmallRows& s) { small_rows_portable(s); }
}  // namespace tinyopt::gemm_tiles

#endif
