// runtime/quantized_gemm_signed_row.cc: the one-row int8 x int8 product (see quantized_gemm_signed_row.h).
//
// pmaddubsw multiplies unsigned by signed bytes and sums adjacent pairs into int16 with saturation. The row's
// 4 depth values x are split into |x| (vpabsb; |-128| = 128 still fits a byte read as unsigned) and their signs,
// moved onto the weights (vpsignb: w * sign(x)), so |x| * (w * sign(x)) = x * w. A pair sum is at most
// 2 * 128 * 127 = 32512 < 2^15 when |w| <= 127, so it never saturates (hence fits()). pmaddwd by ones then adds the
// pairs into int32 lanes: 4 products of one column each. The zero point comes out of the sum afterwards:
// sum (x - zp) * w = sum x * w - zp * sum w.
//
// Per 4 depth values and 64 columns (8 accumulators): one broadcast and one vpabsb, then per 8 columns a load,
// vpsignb, pmaddubsw, pmaddwd and vpaddd: 42 instructions for 256 products, where the int16 path
// (quantized_gemm.cc) needs about 70 (sign extension, pmaddwd and add per 16). A one-row product issues
// instructions about as fast as the core retires them, so this is the figure that counts (measured on
// ad_autoencoder: 4 column blocks per tile 5.7-6.0 us, 8 blocks 5.4-5.7 us, 8 blocks from one contiguous stream
// 5.1-5.4 us: one address register instead of eight, no spills, and one stream for the prefetcher); the weights,
// one byte each, are read exactly once.
#include "runtime/quantized_gemm_signed_row.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt::signed_row {

bool fits(const int8_t* w, long count) {
  for (long i = 0; i < count; ++i)
    if (w[i] == -128) return false;
  return true;
}

// The tiles of the product, in order: from block 0 as many of 8 blocks as fit, then at most one each of 4, 2 and
// 1 blocks; f(first block, block count) for each. The packing and the product both walk them with this.
template <class F>
void for_each_tile(int blocks, F&& f) {
  int b = 0;
  for (; b + 8 <= blocks; b += 8) f(b, 8);
  for (int count : {4, 2, 1})
    if (b + count <= blocks) f(b, count), b += count;
}

void pack_weights(const int8_t* w, int cols, int depth, int8_t* packed) {
  const int kq = padded_depth(depth), groups = kq / kDepthGroup, blocks = column_blocks(cols);
  const long block_elems = static_cast<long>(groups) * kColumnBlock * kDepthGroup;
  std::memset(packed, 0, static_cast<size_t>(blocks) * kColumnBlock * kq);
  for_each_tile(blocks, [&](int first, int count) {
    int8_t* tile = packed + first * block_elems;
    for (int c = first * kColumnBlock; c < std::min(cols, (first + count) * kColumnBlock); ++c)
      for (int k = 0; k < depth; ++k)
        tile[((static_cast<long>(k / kDepthGroup) * count + c / kColumnBlock - first) * kColumnBlock +
              c % kColumnBlock) * kDepthGroup + k % kDepthGroup] = w[static_cast<long>(c) * depth + k];
  });
}

#ifdef TINYOPT_X86
namespace {

// Depth group g (its 4 activations in `quad`) of NB column blocks from w0 into `sum`.
template <int NB>
[[gnu::always_inline]] __attribute__((target("avx2"))) inline void step(int32_t quad, const int8_t* w0, int g,
                                                                        __m256i (&sum)[NB]) {
  const __m256i x = _mm256_set1_epi32(quad);
  const __m256i magnitude = _mm256_abs_epi8(x);
  const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + (g * NB + n) * 32));
    const __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w, x));  // x*w + x*w, int16
    sum[n] = _mm256_add_epi32(sum[n], _mm256_madd_epi16(pairs, ones));
  }
}

// NB column blocks (1, 2, 4 or 8) starting at block b.
template <int NB>
__attribute__((target("avx2"))) void tile(const int8_t* x, int32_t zero_point, int depth, const int8_t* packed,
                                          const int32_t* column_sum, int b, int cols, int32_t* out) {
  const int groups = padded_depth(depth) / kDepthGroup, full = depth / kDepthGroup;
  const long block_elems = static_cast<long>(groups) * kColumnBlock * kDepthGroup;
  const int8_t* w0 = packed + b * block_elems;
  __m256i acc[NB];
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[n] = _mm256_setzero_si256();
  for (int g = 0; g < full; ++g) {
    int32_t quad;
    std::memcpy(&quad, x + g * kDepthGroup, 4);
    step<NB>(quad, w0, g, acc);
  }
  if (full < groups) {  // the last, partial group: the row's bytes past depth are not read (their weights are 0)
    int8_t tail[kDepthGroup] = {};
    for (int k = full * kDepthGroup; k < depth; ++k) tail[k - full * kDepthGroup] = x[k];
    int32_t quad;
    std::memcpy(&quad, tail, 4);
    step<NB>(quad, w0, full, acc);
  }
  const __m256i zp = _mm256_set1_epi32(zero_point);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) {
    const int c0 = (b + n) * kColumnBlock;
    const __m256i sums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(column_sum + c0));
    const __m256i v = _mm256_sub_epi32(acc[n], _mm256_mullo_epi32(zp, sums));  // wraps as int32 sums do
    const int valid = cols - c0 < kColumnBlock ? cols - c0 : kColumnBlock;
    if (valid == kColumnBlock) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c0), v);
    } else {  // lane j is stored when j < valid (vpmaskmovd takes the lanes whose mask sign bit is set)
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      _mm256_maskstore_epi32(out + c0, mask, v);
    }
  }
}

}  // namespace

__attribute__((target("avx2"))) void multiply_avx2(const int8_t* x, int32_t zero_point, int depth,
                                                   const int8_t* packed, const int32_t* column_sum, int cols,
                                                   int32_t* out) {
  for_each_tile(column_blocks(cols), [&](int first, int count) {
    switch (count) {
      case 8: return tile<8>(x, zero_point, depth, packed, column_sum, first, cols, out);
      case 4: return tile<4>(x, zero_point, depth, packed, column_sum, first, cols, out);
      case 2: return tile<2>(x, zero_point, depth, packed, column_sum, first, cols, out);
      default: return tile<1>(x, zero_point, depth, packed, column_sum, first, cols, out);
    }
  });
}
#endif

}  // namespace tinyopt::signed_row
