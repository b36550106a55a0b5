// runtime/quantized_requantize.cc: vectorised per-channel requantization (see quantized_requantize.h).
// AVX2: 8 channels at a time, the channel parameters loaded once per group of 8 channels and applied to every row.
// The left shift uses vpsllvd (wrapping like the reference's int32 multiply). The saturating rounding doubling
// high multiply is floor((a*b + 2^30) / 2^31) for every sign: for a*b >= 0 that is the reference's nudge 2^30 and
// truncation; for a*b < 0 its nudge 1 - 2^30 and truncation toward zero give ceil((a*b + 1 - 2^30) / 2^31), which
// equals floor((a*b + 1 - 2^30 + 2^31 - 1) / 2^31). The multiplier is never INT32_MIN, so the single saturating case
// cannot occur. So per pair of lanes: the exact 64-bit product (vpmuldq), + 2^30, and bits 31..62 (a logical 64-bit
// shift gives the same low 32 bits as an arithmetic one). The rounding right shift is vpsravd plus the
// remainder/threshold correction of rounding_divide_by_pot.
#include "runtime/quantized_requantize.h"

#include "runtime/fixed_point.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt {

namespace {

// Channels from..channels-1 of every row, scalar (the portable variant, and the AVX2 loops' last < 8 channels).
void requantize_tail(const RequantizeChannels& q, const int32_t* acc, int rows, int from, int8_t* out) {
  for (int r = 0; r < rows; ++r)
    for (int c = from; c < q.channels; ++c) {
      const long i = static_cast<long>(r) * q.channels + c;
      const int32_t v = fxp::multiply_by_quantized_multiplier(acc[i] + q.bias[c], q.multiplier[c], q.shift[c]);
      out[i] = static_cast<int8_t>(fxp::clamp(v + q.output_offset, q.act_min, q.act_max));
    }
}

#ifdef TINYOPT_X86
// 8 lanes of saturating_rounding_doubling_high_mul(a, b), b in [2^30, 2^31) or 0; b_odd = b >> 32 per 64-bit lane.
__attribute__((target("avx2"))) inline __m256i srdhm(__m256i a, __m256i b, __m256i b_odd) {
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(a, b), nudge);                             // lanes 0, 2, ..
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), b_odd), nudge);  // lanes 1, 3, ..
  // Bits 31..62 of each product: the even ones shifted down to bit 0, the odd ones up to bit 32.
  return _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
}

// The multiplier and shift of 8 channels, ready for requantize8.
struct Channels8 {
  __m256i left, right, multiplier, multiplier_odd, mask, half_mask;
};

__attribute__((target("avx2"))) inline Channels8 make_channels(__m256i multiplier, __m256i shift) {
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  Channels8 ch;
  ch.left = _mm256_max_epi32(shift, zero);
  ch.right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
  ch.multiplier = multiplier;
  ch.multiplier_odd = _mm256_srli_epi64(multiplier, 32);
  ch.mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, ch.right), one);  // right <= 31, so the mask fits
  ch.half_mask = _mm256_srai_epi32(ch.mask, 1);
  return ch;
}

__attribute__((target("avx2"))) inline __m256i load8(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
__attribute__((target("avx2"))) inline Channels8 load_channels(const RequantizeChannels& q, int c) {
  return make_channels(load8(q.multiplier + c), load8(q.shift + c));
}

// 8 sums acc + bias to int32 outputs in [act_min, act_max]. kLeft: some channel shifts left (a multiplier above
// 1); without, the shift by 0 is skipped.
template <bool kLeft>
[[gnu::always_inline]] __attribute__((target("avx2"))) inline __m256i requantize8(const Channels8& ch, __m256i x,
                                                                                 __m256i offset, __m256i lo,
                                                                                 __m256i hi) {
  if constexpr (kLeft) x = _mm256_sllv_epi32(x, ch.left);
  x = srdhm(x, ch.multiplier, ch.multiplier_odd);
  // rounding_divide_by_pot(x, right): threshold = mask / 2 + (x < 0).
  const __m256i remainder = _mm256_and_si256(x, ch.mask);
  const __m256i threshold = _mm256_sub_epi32(ch.half_mask, _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
  x = _mm256_srav_epi32(x, ch.right);
  x = _mm256_sub_epi32(x, _mm256_cmpgt_epi32(remainder, threshold));  // +1 where remainder > threshold
  return _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(x, offset), lo), hi);
}

// 8 int32 lanes already in [-128, 127] to 8 int8 at o.
__attribute__((target("avx2"))) inline void store8(__m256i x, int8_t* o) {
  const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(x, x), 0x08);  // int16 lanes 0..7 in the low half
  const __m128i p8 = _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_castsi256_si128(p16));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), p8);
}

// 16 int32 lanes (a: channels 0..7, b: 8..15) already in [-128, 127] to 16 int8 at o: one pack pair for both.
__attribute__((target("avx2"))) inline void store16(__m256i a, __m256i b, int8_t* o) {
  // The packs work per 128-bit half: int16 a0-3 b0-3 | a4-7 b4-7, then bytes (a0-3 b0-3 a0-3 b0-3 | a4-7 b4-7 ..);
  // one dword permute gathers a0-3, a4-7, b0-3, b4-7 into the low 16 bytes.
  const __m256i p16 = _mm256_packs_epi32(a, b);
  const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16, p16), _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm256_castsi256_si128(p8));
}


// Per-channel parameters: channel-major, each group's parameters prepared once and applied to every row.
template <bool kLeft>
__attribute__((target("avx2"))) void requantize_avx2(const RequantizeChannels& q, const int32_t* acc, int rows,
                                                     int8_t* out) {
  const int C = q.channels;
  const int vec16_end = C / 16 * 16, vec_end = C / 8 * 8;
  const __m256i offset = _mm256_set1_epi32(q.output_offset);
  const __m256i lo = _mm256_set1_epi32(q.act_min), hi = _mm256_set1_epi32(q.act_max);
  for (int c = 0; c < vec16_end; c += 16) {  // 16 channels a row: one store
    const Channels8 c0 = load_channels(q, c), c1 = load_channels(q, c + 8);
    const __m256i b0 = load8(q.bias + c), b1 = load8(q.bias + c + 8);
    const int32_t* a = acc + c;
    int8_t* o = out + c;
    for (int r = 0; r < rows; ++r, a += C, o += C)
      store16(requantize8<kLeft>(c0, _mm256_add_epi32(load8(a), b0), offset, lo, hi),
              requantize8<kLeft>(c1, _mm256_add_epi32(load8(a + 8), b1), offset, lo, hi), o);
  }
  for (int c = vec16_end; c < vec_end; c += 8) {
    const Channels8 ch = load_channels(q, c);
    const __m256i b = load8(q.bias + c);
    const int32_t* a = acc + c;
    int8_t* o = out + c;
    for (int r = 0; r < rows; ++r, a += C, o += C)
      store8(requantize8<kLeft>(ch, _mm256_add_epi32(load8(a), b), offset, lo, hi), o);
  }
  if (vec_end < C) requantize_tail(q, acc, rows, vec_end, out);
}

// Per-tensor parameters (q.uniform): one set of vectors for every channel, row-major. On one sample a layer's
// output is a single row, where preparing each group's parameters would cost as much as applying them.
template <bool kLeft>
__attribute__((target("avx2"))) void requantize_uniform_avx2(const RequantizeChannels& q, const int32_t* acc,
                                                             int rows, int8_t* out) {
  const int C = q.channels;
  const int vec16_end = C / 16 * 16, vec_end = C / 8 * 8;
  const __m256i offset = _mm256_set1_epi32(q.output_offset);
  const __m256i lo = _mm256_set1_epi32(q.act_min), hi = _mm256_set1_epi32(q.act_max);
  const Channels8 ch = make_channels(_mm256_set1_epi32(q.multiplier[0]), _mm256_set1_epi32(q.shift[0]));
  for (int r = 0; r < rows; ++r) {
    const int32_t* a = acc + static_cast<long>(r) * C;
    int8_t* o = out + static_cast<long>(r) * C;
    int c = 0;
    for (; c < vec16_end; c += 16)
      store16(requantize8<kLeft>(ch, _mm256_add_epi32(load8(a + c), load8(q.bias + c)), offset, lo, hi),
              requantize8<kLeft>(ch, _mm256_add_epi32(load8(a + c + 8), load8(q.bias + c + 8)), offset, lo, hi),
              o + c);
    for (; c < vec_end; c += 8)
      store8(requantize8<kLeft>(ch, _mm256_add_epi32(load8(a + c), load8(q.bias + c)), offset, lo, hi), o + c);
  }
  if (vec_end < C) requantize_tail(q, acc, rows, vec_end, out);
}
#endif

}  // namespace

void requantize_rows(Isa isa, const RequantizeChannels& q, const int32_t* acc, int rows, int8_t* out) {
#ifdef TINYOPT_X86
  if (isa != Isa::Portable) {
    if (q.uniform && q.channels > 0)
      return q.any_left_shift ? requantize_uniform_avx2<true>(q, acc, rows, out)
                              : requantize_uniform_avx2<false>(q, acc, rows, out);
    return q.any_left_shift ? requantize_avx2<true>(q, acc, rows, out) : requantize_avx2<false>(q, acc, rows, out);
  }
#endif
  (void)isa;
  requantize_tail(q, acc, rows, 0, out);
}

}  // namespace tinyopt
