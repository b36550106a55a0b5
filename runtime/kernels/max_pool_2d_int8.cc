// runtime/kernels/max_pool_2d_int8.cc: MAX_POOL_2D on int8/int16 (TFLM reference): maximum over the window
// clipped to the image, clamped by the fused activation. Scale and zero point pass through unchanged.
#include <algorithm>
#include <limits>

#include "runtime/cpu_features.h"
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/pool_2d_int8.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tinyopt {

namespace {

// Per output pixel, the first tap's channels are copied and each further tap maxes a contiguous run of channels
// into them (the NHWC inner dimension), so the loops vectorise; then the clamp. Same maximum as the reference's
// per-channel walk over the window clipped to the image.
template <class T>
void max_pool_portable(const Pool2DInt8Params& p, const T* input, T* output) {
  const int C = p.channels;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int iy0 = oy * p.stride_h - p.pad_h;
        const int ix0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -iy0), fy1 = std::min(p.filter_h, p.in_h - iy0);
        const int fx0 = std::max(0, -ix0), fx1 = std::min(p.filter_w, p.in_w - ix0);
        T* __restrict out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * C;
        bool first = true;
        for (int fy = fy0; fy < fy1; ++fy)
          for (int fx = fx0; fx < fx1; ++fx) {
            const T* __restrict src = input + ((static_cast<long>(b) * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * C;
            if (first) std::copy(src, src + C, out);
            else
              for (int c = 0; c < C; ++c) out[c] = std::max(out[c], src[c]);
            first = false;
          }
        if (first) std::fill(out, out + C, std::numeric_limits<T>::lowest());  // an empty window
        const T lo = static_cast<T>(std::max<int32_t>(p.act_min, std::numeric_limits<T>::lowest()));
        const T hi = static_cast<T>(std::min<int32_t>(p.act_max, std::numeric_limits<T>::max()));
        for (int c = 0; c < C; ++c) out[c] = std::min(std::max(out[c], lo), hi);
      }
}

#if defined(__x86_64__)
// AVX2: per output pixel, blocks of 16 channels, the maximum over the window's taps kept in one register
// (vpmaxsb on 16 int8, vpmaxsw on 16 int16), clamped and stored once; the channels past the last block by the
// portable loop's arithmetic, one at a time.
struct Lanes16Int8 {
  using V = __m128i;
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V load(const int8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static void store(int8_t* p, V v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
  }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V splat(int8_t x) { return _mm_set1_epi8(x); }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V max(V a, V b) { return _mm_max_epi8(a, b); }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V min(V a, V b) { return _mm_min_epi8(a, b); }
};
struct Lanes16Int16 {
  using V = __m256i;
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V load(const int16_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static void store(int16_t* p, V v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V splat(int16_t x) { return _mm256_set1_epi16(x); }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V max(V a, V b) { return _mm256_max_epi16(a, b); }
  [[gnu::always_inline]] __attribute__((target("avx2"))) static V min(V a, V b) { return _mm256_min_epi16(a, b); }
};

template <class T, class L>
__attribute__((target("avx2"))) void max_pool_avx2(const Pool2DInt8Params& p, const T* input, T* output) {
  constexpr int kLanes = 16;
  const int C = p.channels, in_h = p.in_h, in_w = p.in_w, filter_h = p.filter_h, filter_w = p.filter_w;
  const T lo = static_cast<T>(std::max<int32_t>(p.act_min, std::numeric_limits<T>::lowest()));
  const T hi = static_cast<T>(std::min<int32_t>(p.act_max, std::numeric_limits<T>::max()));
  const typename L::V vlo = L::splat(lo), vhi = L::splat(hi), lowest = L::splat(std::numeric_limits<T>::lowest());
  const int c_blocks = C / kLanes * kLanes;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int iy0 = oy * p.stride_h - p.pad_h;
        const int ix0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -iy0), fy1 = std::min(filter_h, in_h - iy0);
        const int fx0 = std::max(0, -ix0), fx1 = std::min(filter_w, in_w - ix0);
        T* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * C;
        // The window clipped to the image: taps [0, wh) x [0, ww) from its first tap inside (an empty window,
        // wh or ww <= 0, leaves the lowest value, clamped like the rest).
        const int wh = fy1 - fy0, ww = fx1 - fx0;
        const T* window = wh > 0 && ww > 0 ? input + ((static_cast<long>(b) * in_h + iy0 + fy0) * in_w + ix0 + fx0) * C
                                           : input;
        if (wh == 2 && ww == 2) {  // the common 2x2 window inside the image, unrolled
          const T* r0 = window;
          const T* r1 = window + static_cast<long>(in_w) * C;
          for (int c = 0; c < c_blocks; c += kLanes) {
            const typename L::V m = L::max(L::max(L::load(r0 + c), L::load(r0 + C + c)),
                                           L::max(L::load(r1 + c), L::load(r1 + C + c)));
            L::store(out + c, L::min(L::max(m, vlo), vhi));
          }
        } else {
          for (int c = 0; c < c_blocks; c += kLanes) {
            typename L::V m = lowest;
            for (int fy = 0; fy < wh; ++fy)
              for (int fx = 0; fx < ww; ++fx)
                m = L::max(m, L::load(window + (static_cast<long>(fy) * in_w + fx) * C + c));
            L::store(out + c, L::min(L::max(m, vlo), vhi));
          }
        }
        for (int c = c_blocks; c < C; ++c) {
          T m = std::numeric_limits<T>::lowest();
          for (int fy = 0; fy < wh; ++fy)
            for (int fx = 0; fx < ww; ++fx) m = std::max(m, window[(static_cast<long>(fy) * in_w + fx) * C + c]);
          out[c] = std::min(std::max(m, lo), hi);
        }
      }
}
#endif

template <class T>
void max_pool(Isa isa, const Pool2DInt8Params& p, const T* input, T* output) {
#if defined(__x86_64__)
  if (isa != Isa::Portable) {
    if constexpr (sizeof(T) == 1) return max_pool_avx2<T, Lanes16Int8>(p, input, output);
    else return max_pool_avx2<T, Lanes16Int16>(p, input, output);
  }
#endif
  (void)isa;
  max_pool_portable(p, input, output);
}

class MaxPoolInt8 final : public Kernel {
 public:
  explicit MaxPoolInt8(Pool2DInt8Params p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      max_pool(isa_, p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      max_pool(isa_, p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  Pool2DInt8Params p_;
  Isa isa_ = active_isa();  // the loops of the ISA active when prepared
};

}  // namespace

KernelResult make_max_pool_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_pool_2d_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<MaxPoolInt8>(*p));
}

}  // namespace tinyopt
