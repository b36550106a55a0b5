// runtime/quantized_requantize.cc: vectorised per-channel requantization (see quantized_requantize.h).
// AVX2: 8 channels at a time. The left shift uses vpsllvd (wrapping like the reference's int32 multiply), the
// doubling high multiply forms the exact 64-bit products of even and odd lanes with vpmuldq, adds the
// sign-dependent nudge, and truncates toward zero by adding 2^31 - 1 to negative products before taking bits
// 31..62 (a logical 64-bit shift yields the same low 32 bits as an arithmetic one). The multiplier is never
// INT32_MIN, so the single saturating case of SRDHM cannot occur. The rounding right shift is vpsravd plus the
// remainder/threshold correction of rounding_divide_by_pot.
#include "runtime/quantized_requantize.h"

#include "runtime/fixed_point.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt {

namespace {

void requantize_scalar(const RequantizeChannels& q, const int32_t* acc, int rows, int8_t* out) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < q.channels; ++c) {
      const long i = static_cast<long>(r) * q.channels + c;
      const int32_t v = fxp::multiply_by_quantized_multiplier(acc[i] + q.bias[c], q.multiplier[c], q.shift[c]);
      out[i] = static_cast<int8_t>(fxp::clamp(v + q.output_offset, q.act_min, q.act_max));
    }
}

#ifdef TINYOPT_X86
// Low 32 bits of trunc((a*b + nudge) / 2^31) for the even lanes' 64-bit products in `p`.
__attribute__((target("avx2"))) inline __m256i high_part(__m256i p) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i neg = _mm256_cmpgt_epi64(zero, p);  // product < 0
  const __m256i nudge = _mm256_blendv_epi8(_mm256_set1_epi64x(1 << 30), _mm256_set1_epi64x(1 - (1 << 30)), neg);
  __m256i t = _mm256_add_epi64(p, nudge);
  const __m256i tneg = _mm256_cmpgt_epi64(zero, t);
  t = _mm256_add_epi64(t, _mm256_and_si256(tneg, _mm256_set1_epi64x((int64_t{1} << 31) - 1)));
  return _mm256_srli_epi64(t, 31);
}

__attribute__((target("avx2"))) inline __m256i srdhm(__m256i a, __m256i b) {
  const __m256i even = high_part(_mm256_mul_epi32(a, b));
  const __m256i odd = high_part(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32)));
  return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

__attribute__((target("avx2"))) void requantize_avx2(const RequantizeChannels& q, const int32_t* acc, int rows,
                                                     int8_t* out) {
  const int C = q.channels;
  const int vec_end = C / 8 * 8;
  const __m256i offset = _mm256_set1_epi32(q.output_offset);
  const __m256i lo = _mm256_set1_epi32(q.act_min), hi = _mm256_set1_epi32(q.act_max);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  for (int r = 0; r < rows; ++r) {
    const int32_t* a = acc + static_cast<long>(r) * C;
    int8_t* o = out + static_cast<long>(r) * C;
    for (int c = 0; c < vec_end; c += 8) {
      const __m256i shift = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.shift + c));
      const __m256i left = _mm256_max_epi32(shift, zero);
      const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
      __m256i x = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + c)),
                                   _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.bias + c)));
      x = _mm256_sllv_epi32(x, left);
      x = srdhm(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.multiplier + c)));
      // rounding_divide_by_pot(x, right); right <= 31 so the mask fits.
      const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
      const __m256i remainder = _mm256_and_si256(x, mask);
      const __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(zero, x));
      x = _mm256_srav_epi32(x, right);
      x = _mm256_sub_epi32(x, _mm256_cmpgt_epi32(remainder, threshold));  // +1 where remainder > threshold
      x = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(x, offset), lo), hi);
      // Pack the 8 int32 lanes (already in [-128, 127]) to int8.
      const __m256i p16 = _mm256_packs_epi32(x, x);                  // lanes 0-3,0-3 | 4-7,4-7 as int16
      const __m256i p8 = _mm256_packs_epi16(p16, p16);
      const uint32_t lo4 = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(p8)));
      const uint32_t hi4 = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(p8, 1)));
      __builtin_memcpy(o + c, &lo4, 4);
      __builtin_memcpy(o + c + 4, &hi4, 4);
    }
    for (int c = vec_end; c < C; ++c) {
      const int32_t v = fxp::multiply_by_quantized_multiplier(a[c] + q.bias[c], q.multiplier[c], q.shift[c]);
      o[c] = static_cast<int8_t>(fxp::clamp(v + q.output_offset, q.act_min, q.act_max));
    }
  }
}
#endif

}  // namespace

void requantize_rows(Isa isa, const RequantizeChannels& q, const int32_t* acc, int rows, int8_t* out) {
#ifdef TINYOPT_X86
  if (isa != Isa::Portable) return requantize_avx2(q, acc, rows, out);
#endif
  (void)isa;
  requantize_scalar(q, acc, rows, out);
}

}  // namespace tinyopt
