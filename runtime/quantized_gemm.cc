// runtime/quantized_gemm.cc: int16 x int8 -> int32 matrix product (see quantized_gemm.h), portable and AVX2.
// The AVX2 micro-kernel computes 2 rows x 4 columns at a time: 16 depth values per step, sign-extends the int8
// weights to int16 and multiplies pairs with pmaddwd (exact: |a*w + a*w| <= 2*255*128 < 2^31).
#include "runtime/quantized_gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt {

namespace {

void gemm_portable(const int16_t* a, int rows, const int8_t* w, int cols, int kp, int32_t* out) {
  for (int r = 0; r < rows; ++r) {
    const int16_t* ar = a + static_cast<long>(r) * kp;
    for (int c = 0; c < cols; ++c) {
      const int8_t* wc = w + static_cast<long>(c) * kp;
      int32_t acc = 0;
      for (int k = 0; k < kp; ++k) acc += int32_t{ar[k]} * int32_t{wc[k]};
      out[static_cast<long>(r) * cols + c] = acc;
    }
  }
}

#ifdef TINYOPT_X86
__attribute__((target("avx2"))) inline __m256i load_w16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Horizontal sums of four accumulators -> {sum(v0), sum(v1), sum(v2), sum(v3)}.
__attribute__((target("avx2"))) inline __m128i hsum4(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i s01 = _mm256_hadd_epi32(v0, v1);
  const __m256i s23 = _mm256_hadd_epi32(v2, v3);
  const __m256i s = _mm256_hadd_epi32(s01, s23);
  return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

__attribute__((target("avx2"))) inline int32_t hsum1(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2"))) void gemm_avx2(const int16_t* a, int rows, const int8_t* w, int cols, int kp,
                                               int32_t* out) {
  int r = 0;
  for (; r + 2 <= rows; r += 2) {
    const int16_t* a0 = a + static_cast<long>(r) * kp;
    const int16_t* a1 = a0 + kp;
    int32_t* o0 = out + static_cast<long>(r) * cols;
    int32_t* o1 = o0 + cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      const int8_t* w0 = w + static_cast<long>(c) * kp;
      const int8_t* w1 = w0 + kp;
      const int8_t* w2 = w1 + kp;
      const int8_t* w3 = w2 + kp;
      __m256i acc00 = _mm256_setzero_si256(), acc01 = acc00, acc02 = acc00, acc03 = acc00;
      __m256i acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
      for (int k = 0; k < kp; k += 16) {
        const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + k));
        const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a1 + k));
        const __m256i v0 = load_w16(w0 + k), v1 = load_w16(w1 + k), v2 = load_w16(w2 + k), v3 = load_w16(w3 + k);
        acc00 = _mm256_add_epi32(acc00, _mm256_madd_epi16(x0, v0));
        acc01 = _mm256_add_epi32(acc01, _mm256_madd_epi16(x0, v1));
        acc02 = _mm256_add_epi32(acc02, _mm256_madd_epi16(x0, v2));
        acc03 = _mm256_add_epi32(acc03, _mm256_madd_epi16(x0, v3));
        acc10 = _mm256_add_epi32(acc10, _mm256_madd_epi16(x1, v0));
        acc11 = _mm256_add_epi32(acc11, _mm256_madd_epi16(x1, v1));
        acc12 = _mm256_add_epi32(acc12, _mm256_madd_epi16(x1, v2));
        acc13 = _mm256_add_epi32(acc13, _mm256_madd_epi16(x1, v3));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o0 + c), hsum4(acc00, acc01, acc02, acc03));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o1 + c), hsum4(acc10, acc11, acc12, acc13));
    }
    for (; c < cols; ++c) {
      const int8_t* wc = w + static_cast<long>(c) * kp;
      __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
      for (int k = 0; k < kp; k += 16) {
        const __m256i v = load_w16(wc + k);
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + k)), v));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a1 + k)), v));
      }
      o0[c] = hsum1(acc0);
      o1[c] = hsum1(acc1);
    }
  }
  for (; r < rows; ++r) {
    const int16_t* a0 = a + static_cast<long>(r) * kp;
    int32_t* o0 = out + static_cast<long>(r) * cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      const int8_t* w0 = w + static_cast<long>(c) * kp;
      const int8_t* w1 = w0 + kp;
      const int8_t* w2 = w1 + kp;
      const int8_t* w3 = w2 + kp;
      __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      for (int k = 0; k < kp; k += 16) {
        const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + k));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x0, load_w16(w0 + k)));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x0, load_w16(w1 + k)));
        acc2 = _mm256_add_epi32(acc2, _mm256_madd_epi16(x0, load_w16(w2 + k)));
        acc3 = _mm256_add_epi32(acc3, _mm256_madd_epi16(x0, load_w16(w3 + k)));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o0 + c), hsum4(acc0, acc1, acc2, acc3));
    }
    for (; c < cols; ++c) {
      const int8_t* wc = w + static_cast<long>(c) * kp;
      __m256i acc0 = _mm256_setzero_si256();
      for (int k = 0; k < kp; k += 16)
        acc0 = _mm256_add_epi32(
            acc0, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + k)), load_w16(wc + k)));
      o0[c] = hsum1(acc0);
    }
  }
}
#endif

}  // namespace

bool cpu_has_avx2() {
#ifdef TINYOPT_X86
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

void gemm_s16_s8(const int16_t* a, int rows, const int8_t* w, int cols, int kp, int32_t* out) {
#ifdef TINYOPT_X86
  if (cpu_has_avx2()) return gemm_avx2(a, rows, w, cols, kp, out);
#endif
  gemm_portable(a, rows, w, cols, kp, out);
}

}  // namespace tinyopt
