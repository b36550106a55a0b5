// runtime/kernels/depthwise_conv_2d_int8_fast.cc: DEPTHWISE_CONV_2D int8, fast variant (any stride, dilation and
// depth multiplier). Once per image the input is widened to int16 with the input offset added (x + offset fits
// int16), each input channel repeated depth_multiplier times so that output channel oc reads "input" channel oc,
// and each row split into stride_w phases after `lead` zero slots:
//   xs[iy][phase][lead + k][oc] = x[iy][k * stride_w + phase][oc / dm] + offset,   every other slot 0.
// An output row [ox][oc] then reads, for a tap (fy, fx) with dx = fx * dilation_w - pad_w = q * stride_w + phase,
// xs[iy][phase][lead + ox + q][oc]: contiguous in ox * C + oc. A tap in the padding reads a zero slot (or, above
// or below the image, a row of zeros) and adds 0, as TFLM skips it. Same exact integer sums as the reference
// (|w * (x + offset)| <= 128 * 255 per tap), so the outputs are bit-identical; the int32 row is requantized per
// channel in one call (runtime/quantized_requantize.h).
//
// Portable: with the weights replicated along the row in prepare (w_row[tap][ox * C + oc] = w[tap][oc]), one tap
// over a whole output row (its ox range clipped to the image) is one contiguous int16 x int16 -> int32
// multiply-add, whatever C is, which the compiler vectorises. AVX2 (and the AVX-512 VNNI ISA) take the taps in
// pairs over every column: for 16 outputs one pmaddwd multiplies the interleaved inputs of two taps
// (vpunpcklwd/hwd) with weights interleaved the same way at prepare time, so the 32-bit sums stay in registers
// over all taps instead of one memory pass per tap (|x0 * w0 + x1 * w1| <= 2 * 255 * 128); a row's last
// elements after its whole chunks of 16 are summed tap by tap. The widening is compiled three times from one body
// (baseline x86-64, AVX2, AVX-512 BW) and the kernel keeps the loops of the ISA active when it was prepared
// (runtime/cpu_features.h). int16 activations use the reference.
#include <algorithm>
#include <cstring>

#include "runtime/cpu_features.h"
#include "runtime/fixed_point.h"
#include "runtime/kernels/depthwise_conv_2d_int8.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tinyopt {

namespace {

// Replicated weights above this many int16 elements are not built; the reference serves such layers.
constexpr size_t kMaxRowWeights = size_t{1} << 22;

// One input channel repeated DM times, the pixels of one stride phase: dst[k][m] = x[first + k * stride] + off.
// DM a compile-time constant makes each pixel one broadcast and one store (person_detect's first layer: one input
// channel, multiplier 8, stride 2: the loop over a runtime multiplier took most of that layer's time).
template <int DM>
[[gnu::always_inline]] inline void repeat_one_channel(const int8_t* __restrict x, int first, int stride, int count,
                                                      int16_t off, int16_t* __restrict dst) {
  for (int k = 0; k < count; ++k) {
    const auto v = static_cast<int16_t>(x[first + k * stride] + off);
    for (int m = 0; m < DM; ++m) dst[k * DM + m] = v;
  }
}

// The pixels of stride phase `phase` in a row of in_w, and the zero slots around them: [0, lead) and
// [lead + count, phase_len) of the phase's slots (C channels each). Returns count.
[[gnu::always_inline]] inline int zero_phase_padding(int in_w, int phase, int stride, int lead, int phase_len, long C,
                                                     int16_t* __restrict slots) {
  const int count = phase < in_w ? (in_w - 1 - phase) / stride + 1 : 0;
  std::fill(slots, slots + lead * C, int16_t{0});
  std::fill(slots + (lead + count) * C, slots + phase_len * C, int16_t{0});
  return count;
}

// One input row x[in_w][in_c] to its stride phases of phase_len slots each, the pixels after `lead` zero slots:
// out[phase][lead + k][oc] = x[k * stride + phase][oc / dm] + off, every other slot 0 (a padded pixel, which
// contributes nothing: TFLM skips such taps).
[[gnu::always_inline]] inline void widen_row_body(const int8_t* __restrict x, int in_w, int in_c, int dm, int stride,
                                                  int lead, int phase_len, int16_t off, int16_t* __restrict out) {
  const long C = static_cast<long>(in_c) * dm;
  for (int phase = 0; phase < stride; ++phase) {
    int16_t* __restrict slots = out + static_cast<long>(phase) * phase_len * C;
    const int count = zero_phase_padding(in_w, phase, stride, lead, phase_len, C, slots);
    int16_t* __restrict dst = slots + lead * C;
    if (dm == 1 && stride == 1) {  // the common case: one contiguous loop
      for (long i = 0; i < in_w * C; ++i) dst[i] = static_cast<int16_t>(x[i] + off);
      continue;
    }
    if (in_c == 1 && (dm == 8 || dm == 16)) {
      if (dm == 8) repeat_one_channel<8>(x, phase, stride, count, off, dst);
      else repeat_one_channel<16>(x, phase, stride, count, off, dst);
      continue;
    }
    for (int ix = phase; ix < in_w; ix += stride, dst += C) {
      const int8_t* __restrict src = x + static_cast<long>(ix) * in_c;
      if (dm == 1) {
        for (int c = 0; c < in_c; ++c) dst[c] = static_cast<int16_t>(src[c] + off);
      } else if (in_c == 1) {
        const int16_t v = static_cast<int16_t>(src[0] + off);
        for (int m = 0; m < dm; ++m) dst[m] = v;
      } else {
        for (int c = 0; c < in_c; ++c)
          for (int m = 0; m < dm; ++m) dst[c * dm + m] = static_cast<int16_t>(src[c] + off);
      }
    }
  }
}

// acc[j] += w[j] * x[j] for j in [0, n).
[[gnu::always_inline]] inline void multiply_accumulate_body(const int16_t* __restrict w, const int16_t* __restrict x,
                                                            long n, int32_t* __restrict acc) {
  for (long j = 0; j < n; ++j) acc[j] += int32_t{w[j]} * int32_t{x[j]};
}

using WidenRow = void (*)(const int8_t*, int, int, int, int, int, int, int16_t, int16_t*);
using MultiplyAccumulate = void (*)(const int16_t*, const int16_t*, long, int32_t*);

// The bodies above, vectorised by the compiler for each ISA (inlined into a function with that target).
void widen_row_portable(const int8_t* x, int in_w, int in_c, int dm, int stride, int lead, int len, int16_t off,
                        int16_t* out) {
  widen_row_body(x, in_w, in_c, dm, stride, lead, len, off, out);
}
void multiply_accumulate_portable(const int16_t* w, const int16_t* x, long n, int32_t* acc) {
  multiply_accumulate_body(w, x, n, acc);
}
#if defined(__x86_64__)
// n (a multiple of 16) int8 values + off to int16.
__attribute__((target("avx2"))) inline void widen16s_avx2(const int8_t* __restrict x, long n, __m256i off,
                                                         int16_t* __restrict dst) {
  for (long i = 0; i < n; i += 16) {
    const __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_add_epi16(v, off));
  }
}

__attribute__((target("avx2"))) void widen_row_avx2(const int8_t* x, int in_w, int in_c, int dm, int stride, int lead,
                                                    int len, int16_t off, int16_t* out) {
  // Multiplier 1 and whole groups of 16 channels (most MobileNet layers): explicit 16-channel steps, where the
  // compiler's loop over a short runtime channel count spends more on its set-up than on the pixel.
  if (dm != 1 || in_c % 16 != 0) return widen_row_body(x, in_w, in_c, dm, stride, lead, len, off, out);
  const long C = in_c;
  const __m256i offset = _mm256_set1_epi16(off);
  for (int phase = 0; phase < stride; ++phase) {
    int16_t* slots = out + static_cast<long>(phase) * len * C;
    const int count = zero_phase_padding(in_w, phase, stride, lead, len, C, slots);
    if (stride == 1) {
      widen16s_avx2(x, in_w * C, offset, slots + lead * C);
      continue;
    }
    for (int k = 0; k < count; ++k)
      widen16s_avx2(x + (static_cast<long>(k) * stride + phase) * C, C, offset, slots + (lead + k) * C);
  }
}
__attribute__((target("avx2"))) void multiply_accumulate_avx2(const int16_t* w, const int16_t* x, long n, int32_t* acc) {
  multiply_accumulate_body(w, x, n, acc);
}
__attribute__((target("avx512f,avx512bw"))) void widen_row_avx512(const int8_t* x, int in_w, int in_c, int dm,
                                                                  int stride, int lead, int len, int16_t off,
                                                                  int16_t* out) {
  widen_row_body(x, in_w, in_c, dm, stride, lead, len, off, out);
}
__attribute__((target("avx512f,avx512bw"))) void multiply_accumulate_avx512(const int16_t* w, const int16_t* x, long n,
                                                                            int32_t* acc) {
  multiply_accumulate_body(w, x, n, acc);
}
#endif

#if defined(__x86_64__)
// acc[j0 + 16k + e] for chunks k < chunks, e < 16: the sum over tap pairs p of x[2p][16k + e] * w + x[2p + 1][..] * w,
// with the weights of chunk k and pair p at w[(k * pairs + p) * 32] in the order of vpunpck{l,h}wd (see above).
__attribute__((target("avx2"))) void tap_pairs_avx2(const int16_t* const* x, const int16_t* w, int pairs, long chunks,
                                                    int32_t* acc) {
  for (long k = 0; k < chunks; ++k) {
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    const int16_t* wk = w + k * pairs * 32;
    for (int p = 0; p < pairs; ++p) {
      const __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[2 * p] + 16 * k));
      const __m256i xb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[2 * p + 1] + 16 * k));
      const __m256i wl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk + p * 32));
      const __m256i wh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wk + p * 32 + 16));
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), wl));  // outputs 0-3, 8-11
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), wh));  // outputs 4-7, 12-15
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * k), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * k + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
  }
}
#endif

// Taps above this use the per-tap loop in every ISA (the pointer array of the pair route is on the stack).
constexpr int kMaxPairTaps = 64;

struct DepthwiseLoops {
  WidenRow widen_row;
  MultiplyAccumulate multiply_accumulate;
};

DepthwiseLoops loops_for(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::Avx512Vnni) return {widen_row_avx512, multiply_accumulate_avx512};
  if (isa == Isa::Avx2) return {widen_row_avx2, multiply_accumulate_avx2};
#endif
  (void)isa;
  return {widen_row_portable, multiply_accumulate_portable};
}

class DepthwiseInt8Fast final : public Kernel {
 public:
  DepthwiseInt8Fast(DepthwiseInt8Params p, const int8_t* filter)
      : p_(std::move(p)), isa_(active_isa()), loops_(loops_for(isa_)) {
    const size_t taps = static_cast<size_t>(p_.filter_h) * p_.filter_w;
    const size_t C = static_cast<size_t>(p_.out_c);
    const size_t row = static_cast<size_t>(p_.out_w) * C;
    row_weights_.resize(taps * row);
    for (size_t t = 0; t < taps; ++t)
      for (size_t j = 0; j < row; ++j) row_weights_[t * row + j] = filter[t * C + j % C];
    bias32_.assign(C, 0);
    for (size_t c = 0; c < p_.bias.size(); ++c) bias32_[c] = static_cast<int32_t>(p_.bias[c]);
    shift32_.assign(p_.shift.begin(), p_.shift.end());
    any_left_shift_ = requantize_any_left_shift(shift32_.data(), p_.out_c);
    uniform_ = requantize_uniform(p_.multiplier.data(), shift32_.data(), p_.out_c);
    prepare_phases();
#if defined(__x86_64__)
    if (isa_ != Isa::Portable && static_cast<int>(taps) <= kMaxPairTaps) prepare_tap_pairs(filter);
#endif
  }

  // Whether the replicated weights stay within kMaxRowWeights.
  static bool fits(const DepthwiseInt8Params& p) {
    return static_cast<size_t>(p.filter_h) * p.filter_w * p.out_w * p.out_c <= kMaxRowWeights;
  }

  size_t scratch_bytes() const override {
    return acc_bytes() + (image_elements() + (pairs_ ? widened_row() : 0)) * sizeof(int16_t);
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data());
    auto* image = reinterpret_cast<int16_t*>(io.scratch.data() + acc_bytes());
    const RequantizeChannels q{bias32_.data(), p_.multiplier.data(), shift32_.data(), p_.out_c, p_.output_offset,
                               p_.act_min, p_.act_max, any_left_shift_, uniform_};
    const long out_row = static_cast<long>(p_.out_w) * p_.out_c;
    const long in_image = static_cast<long>(p_.in_h) * p_.in_w * p_.in_c;
    int16_t* zero_row = image + image_elements();  // the pair route's row above/below the image
    if (pairs_) std::fill(zero_row, zero_row + widened_row(), int16_t{0});
    for (int b = 0; b < p_.batches; ++b) {
      const int8_t* x = input + b * in_image;
      for (int iy = 0; iy < p_.in_h; ++iy)
        loops_.widen_row(x + static_cast<long>(iy) * p_.in_w * p_.in_c, p_.in_w, p_.in_c, p_.depth_multiplier,
                         p_.stride_w, lead_, phase_len_, static_cast<int16_t>(p_.input_offset),
                         image + iy * widened_row());
      for (int oy = 0; oy < p_.out_h; ++oy) {
        if (pairs_) {
          accumulate_row_pairs(image, zero_row, oy, acc);
        } else {
          std::fill(acc, acc + out_row, 0);
          accumulate_row(image, oy, acc);
        }
        requantize_rows(isa_, q, acc, p_.out_w, output + (static_cast<long>(b) * p_.out_h + oy) * out_row);
      }
    }
  }

 private:
  // Elements of one widened input row: stride_w phases of phase_len_ slots of out_c channels.
  long widened_row() const { return static_cast<long>(p_.stride_w) * phase_len_ * p_.out_c; }

  // Tap fx reads input column ix = ox * stride + dx, dx = fx * dilation - pad: in its phase (dx mod stride) the
  // slot lead_ + ox + q, q = floor(dx / stride). lead_ zero slots before the pixels cover the most negative q, and
  // phase_len_ the pixels and the largest ox + q, so every tap of every output column reads a slot: taps outside
  // the image read zeros.
  static int phase_of(int dx, int s) { return ((dx % s) + s) % s; }
  static int pixel_shift(int dx, int s) { return (dx - phase_of(dx, s)) / s; }
  void prepare_phases() {
    const int s = p_.stride_w;
    int q_min = 0, q_max = 0;
    for (int fx = 0; fx < p_.filter_w; ++fx) {
      const int q = pixel_shift(fx * p_.dilation_w - p_.pad_w, s);
      q_min = std::min(q_min, q), q_max = std::max(q_max, q);
    }
    lead_ = -q_min;
    phase_len_ = lead_ + std::max((p_.in_w + s - 1) / s, p_.out_w + q_max);
    for (int fx = 0; fx < p_.filter_w; ++fx) {
      const int dx = fx * p_.dilation_w - p_.pad_w;
      tap_start_.push_back((static_cast<long>(phase_of(dx, s)) * phase_len_ + lead_ + pixel_shift(dx, s)) * p_.out_c);
    }
  }
  size_t image_elements() const { return static_cast<size_t>(p_.in_h) * static_cast<size_t>(widened_row()); }
  size_t acc_bytes() const {
    const size_t bytes = static_cast<size_t>(p_.out_w) * p_.out_c * sizeof(int32_t);
    return (bytes + 63) / 64 * 64;
  }

  void accumulate_row(const int16_t* image, int oy, int32_t* acc) const {
    const long C = p_.out_c;
    const long row = p_.out_w * C;
    const int s = p_.stride_w;
    const int iy0 = oy * p_.stride_h - p_.pad_h;
    for (int fy = 0; fy < p_.filter_h; ++fy) {
      const int iy = iy0 + p_.dilation_h * fy;
      if (iy < 0 || iy >= p_.in_h) continue;
      for (int fx = 0; fx < p_.filter_w; ++fx) {
        const int dx = fx * p_.dilation_w - p_.pad_w;  // ix = ox * s + dx
        // ox range with 0 <= ox * s + dx < in_w.
        const int lo = std::max(0, dx >= 0 ? 0 : (-dx + s - 1) / s);
        const int hi = std::min(p_.out_w, p_.in_w - 1 - dx < 0 ? 0 : (p_.in_w - 1 - dx) / s + 1);
        if (lo >= hi) continue;
        const int16_t* x = image + iy * widened_row() + tap_start_[static_cast<size_t>(fx)] + lo * C;
        const int16_t* w = row_weights_.data() + (static_cast<long>(fy) * p_.filter_w + fx) * row;
        loops_.multiply_accumulate(w + lo * C, x, (hi - lo) * C, acc + lo * C);
      }
    }
  }

  // The pair route's weights: chunk k of 16 row elements, tap pair p, in the order of vpunpck{l,h}wd.
  void prepare_tap_pairs(const int8_t* filter) {
    const int taps = p_.filter_h * p_.filter_w;
    const long C = p_.out_c;
    pairs_count_ = (taps + 1) / 2;
    chunks_ = p_.out_w * C / 16;
    pair_weights_.assign(static_cast<size_t>(chunks_) * pairs_count_ * 32, 0);
    for (long k = 0; k < chunks_; ++k)
      for (int p = 0; p < pairs_count_; ++p)
        for (int h = 0; h < 2; ++h)
          for (int i = 0; i < 8; ++i) {
            const long oc = (16 * k + (i < 4 ? i : i + 4) + 4 * h) % C;  // vpunpck{l,h}wd's output order
            int16_t* dst = pair_weights_.data() + (k * pairs_count_ + p) * 32 + h * 16 + 2 * i;
            dst[0] = filter[(2 * p) * C + oc];
            dst[1] = 2 * p + 1 < taps ? filter[(2 * p + 1) * C + oc] : int16_t{0};
          }
    pairs_ = true;
  }

  // One output row by the pair route: chunks of 16 row elements in registers over all taps (a tap outside the
  // image reads the zero slots or zero_row), the elements after the last whole chunk tap by tap.
  void accumulate_row_pairs(const int16_t* image, const int16_t* zero_row, int oy, int32_t* acc) const {
    const long C = p_.out_c;
    const int fw = p_.filter_w;
    const int taps = p_.filter_h * fw;
    const int16_t* x[kMaxPairTaps + 1];  // each tap's input at output column 0
    for (int fy = 0, t = 0; fy < p_.filter_h; ++fy) {
      const int iy = oy * p_.stride_h - p_.pad_h + p_.dilation_h * fy;
      const int16_t* in_row = iy < 0 || iy >= p_.in_h ? zero_row : image + iy * widened_row();
      for (int fx = 0; fx < fw; ++fx, ++t) x[t] = in_row + tap_start_[static_cast<size_t>(fx)];
    }
    x[taps] = x[taps - 1];  // an odd tap count pairs the last tap with itself, weight 0
#if defined(__x86_64__)
    if (chunks_ > 0) tap_pairs_avx2(x, pair_weights_.data(), pairs_count_, chunks_, acc);
#endif
    const long row = p_.out_w * C;
    std::fill(acc + 16 * chunks_, acc + row, 0);
    for (int t = 0; t < taps; ++t)
      for (long j = 16 * chunks_; j < row; ++j) acc[j] += int32_t{row_weights_[t * row + j]} * int32_t{x[t][j]};
  }

  DepthwiseInt8Params p_;
  Isa isa_;              // the ISA active when prepared
  DepthwiseLoops loops_;  // its variant of the loops
  std::vector<int16_t> row_weights_;  // [filter_h * filter_w][out_w * out_c]
  std::vector<int32_t> bias32_, shift32_;
  bool any_left_shift_ = true;  // some shift32_ > 0 (requantize_any_left_shift)
  bool uniform_ = false;        // one multiplier and shift for every channel (requantize_uniform)
  int lead_ = 0, phase_len_ = 0;  // per stride phase of a widened row: zero slots before the pixels, all slots
  std::vector<long> tap_start_;    // [filter_w]: where tap (., fx) of output column 0 starts in a widened row
  // The pair route (AVX2 and up, at most kMaxPairTaps taps): see the file comment and prepare_tap_pairs.
  bool pairs_ = false;
  int pairs_count_ = 0;
  long chunks_ = 0;                            // whole chunks of 16 outputs per row
  std::vector<int16_t> pair_weights_;          // [chunks][pairs][32]
};

}  // namespace

KernelResult make_depthwise_conv_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_depthwise_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  if (p->int16 || !DepthwiseInt8Fast::fits(*p)) return make_depthwise_conv_2d_int8_reference(g, op_index);
  auto weights = known_input(g, op_index, 1, "weights");  // a constant, or decoded from TFLM_DECODE's inputs
  if (!weights) return weights.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<DepthwiseInt8Fast>(std::move(*p), reinterpret_cast<const int8_t*>(weights->data())));
}

}  // namespace tinyopt
