// runtime/quantized_gemm_vnni.cc: AVX-512 VNNI uint8 x int8 GEMM (see quantized_gemm_vnni.h). Only the functions
// marked kVnniTarget use AVX-512 instructions, through the target attribute; everything else in the binary stays
// baseline x86-64 (no per-file -mavx512 flag, whose inline functions from shared headers could be picked by the
// linker for other callers). A tile is up to 8 rows x 32 columns: 16 zmm accumulators, per 4 depth values two
// 64-byte weight loads and 8 four-byte broadcasts feed 16 vpdpbusd (loops fully unrolled so the accumulators
// stay in registers). Partial column blocks store under a mask.
#include "runtime/quantized_gemm_vnni.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define TINYOPT_VNNI 1
#endif

namespace tinyopt::vnni {

void pack_weights(const int8_t* w, int cols, int depth, int kp, int8_t* packed) {
  const int groups = kp / 4;
  const int blocks = column_blocks(cols);
  std::memset(packed, 0, static_cast<size_t>(blocks) * kColumnBlock * kp);
  for (int c = 0; c < cols; ++c) {
    const int b = c / kColumnBlock, j = c % kColumnBlock;
    for (int k = 0; k < depth; ++k) {
      const int g = k / 4, i = k % 4;
      packed[((static_cast<long>(b) * groups + g) * kColumnBlock + j) * 4 + i] = w[static_cast<long>(c) * depth + k];
    }
  }
}

void gemm_u8s8_portable(const uint8_t* a, int rows, const int8_t* packed, int cols, int kp, int32_t* out) {
  const int groups = kp / 4;
  for (int r = 0; r < rows; ++r) {
    const uint8_t* ar = a + static_cast<long>(r) * kp;
    for (int c = 0; c < cols; ++c) {
      const int8_t* wb = packed + static_cast<long>(c / kColumnBlock) * groups * kColumnBlock * 4 + (c % kColumnBlock) * 4;
      int32_t acc = 0;
      for (int g = 0; g < groups; ++g)
        for (int i = 0; i < 4; ++i) acc += int32_t{ar[g * 4 + i]} * int32_t{wb[g * kColumnBlock * 4 + i]};
      out[static_cast<long>(r) * cols + c] = acc;
    }
  }
}

#ifdef TINYOPT_VNNI
namespace {

#define kVnniTarget __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// R rows (1..8) x NB column blocks (1 or 2) starting at column block `b`; `valid` columns in the last block.
template <int R, int NB>
kVnniTarget void tile(const uint8_t* a, int kp, const int8_t* packed, int b, int cols, int32_t* out) {
  const int groups = kp / 4;
  const long block_bytes = static_cast<long>(groups) * kColumnBlock * 4;
  __m512i acc[R][NB];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int n = 0; n < NB; ++n) acc[i][n] = _mm512_setzero_si512();
  const int8_t* w0 = packed + b * block_bytes;
  for (int g = 0; g < groups; ++g) {
    __m512i w[NB];
#pragma GCC unroll 2
    for (int n = 0; n < NB; ++n) w[n] = _mm512_loadu_si512(w0 + n * block_bytes + g * kColumnBlock * 4);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      int32_t quad;
      std::memcpy(&quad, a + static_cast<long>(i) * kp + g * 4, 4);
      const __m512i x = _mm512_set1_epi32(quad);
#pragma GCC unroll 2
      for (int n = 0; n < NB; ++n) acc[i][n] = _mm512_dpbusd_epi32(acc[i][n], x, w[n]);
    }
  }
#pragma GCC unroll 2
  for (int n = 0; n < NB; ++n) {
    const int c0 = (b + n) * kColumnBlock;
    const int valid = cols - c0 < kColumnBlock ? cols - c0 : kColumnBlock;
    const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1u);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) _mm512_mask_storeu_epi32(out + static_cast<long>(i) * cols + c0, mask, acc[i][n]);
  }
}

template <int NB>
kVnniTarget void tile_rows(int rows, const uint8_t* a, int kp, const int8_t* packed, int b, int cols, int32_t* out) {
  switch (rows) {
    case 1: return tile<1, NB>(a, kp, packed, b, cols, out);
    case 2: return tile<2, NB>(a, kp, packed, b, cols, out);
    case 3: return tile<3, NB>(a, kp, packed, b, cols, out);
    case 4: return tile<4, NB>(a, kp, packed, b, cols, out);
    case 5: return tile<5, NB>(a, kp, packed, b, cols, out);
    case 6: return tile<6, NB>(a, kp, packed, b, cols, out);
    case 7: return tile<7, NB>(a, kp, packed, b, cols, out);
    default: return tile<8, NB>(a, kp, packed, b, cols, out);
  }
}

}  // namespace

kVnniTarget void gemm_u8s8_avx512vnni(const uint8_t* a, int rows, const int8_t* packed, int cols, int kp,
                                      int32_t* out) {
  const int blocks = column_blocks(cols);
  for (int r = 0; r < rows; r += 8) {
    const int n = rows - r < 8 ? rows - r : 8;
    const uint8_t* ar = a + static_cast<long>(r) * kp;
    int32_t* o = out + static_cast<long>(r) * cols;
    int b = 0;
    for (; b + 2 <= blocks; b += 2) tile_rows<2>(n, ar, kp, packed, b, cols, o);
    if (b < blocks) tile_rows<1>(n, ar, kp, packed, b, cols, o);
  }
}
#else
void gemm_u8s8_avx512vnni(const uint8_t* a, int rows, const int8_t* packed, int cols, int kp, int32_t* out) {
  gemm_u8s8_portable(a, rows, packed, cols, kp, out);
}
#endif

}  // namespace tinyopt::vnni
