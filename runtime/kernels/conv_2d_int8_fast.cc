// runtime/kernels/conv_2d_int8_fast.cc: CONV_2D int8, fast variant: the integer GEMM of runtime/quantized_gemm.h
// over the receptive fields, then per-channel requantization, in blocks of 64 output pixels. The rows are what the
// GEMM variant of the active ISA takes: int16 (x - input zero point), padded taps 0; or uint8 (x + 128), padded
// taps 128 + zero point, i.e. 0 after the offset correction folded into the bias. Either way a padded tap
// contributes 0, as "skip the tap" does in the reference kernel, so the int32 accumulator equals the reference's
// and the outputs are bit-identical. Three ways to the rows:
//   - int16 rows, any filter but the pointwise one: read in place from a zero-padded widened copy of the input
//     (conv_2d_int8_padded_image.h), no im2col copy;
//   - a 1x1 convolution with stride 1 and no padding: the block's pixels converted in one loop (its rows are the
//     NHWC input itself);
//   - uint8 rows (the VNNI layout): im2col, each filter row inside the image one run of filter_w * in_c values
//     (dilation 1), interior pixels of an output row copied without per-pixel checks.
// The loops are compiled for baseline x86-64 and for AVX2 from one body, and the kernel keeps the one of the ISA
// active when prepared. 16x8 and grouped convolutions use the reference kernel.
#include <algorithm>
#include <cstring>
#include <optional>

#include "runtime/fixed_point.h"
#include "runtime/kernels/conv_2d_int8.h"
#include "runtime/kernels/conv_2d_int8_padded_image.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_gemm.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

namespace tinyopt {

namespace {

constexpr size_t kRowsPerBlock = 64;  // output pixels per im2col block

// A 1x1 convolution with stride 1 and no padding: its im2col rows are the NHWC input pixels themselves.
bool is_pointwise(const ConvInt8Params& p) {
  return p.filter_h == 1 && p.filter_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0 &&
         p.out_h == p.in_h && p.out_w == p.in_w;
}

// dst[i] = src[i] + add as T (int16 rows: add = input offset; uint8 rows: add = 128), i in [0, n).
template <class T>
[[gnu::always_inline]] inline void convert_run(const int8_t* __restrict src, long n, int add, T* __restrict dst) {
  for (long i = 0; i < n; ++i) dst[i] = static_cast<T>(src[i] + add);
}

// convert_run for exactly 16 values: one vector load, widen and store (kConvertWidth).
constexpr long kConvertWidth = 16;
template <class T>
[[gnu::always_inline]] inline void convert_16(const int8_t* __restrict src, int add, T* __restrict dst) {
  for (long i = 0; i < kConvertWidth; ++i) dst[i] = static_cast<T>(src[i] + add);
}

// convert_run for exactly 8 values: the runs of up to 8 (a filter row of one or two channels) store half as much
// as with convert_16, so fewer stores split a cache line (rows of an odd number of int16 are 2-byte aligned).
constexpr long kConvertHalf = 8;
template <class T>
[[gnu::always_inline]] inline void convert_8(const int8_t* __restrict src, int add, T* __restrict dst) {
  for (long i = 0; i < kConvertHalf; ++i) dst[i] = static_cast<T>(src[i] + add);
}

// A run of n >= 16 values: 16 at a time, the last 16 overlapping the previous ones when n is not a multiple (each
// value is converted from its own source, so writing it twice writes the same).
template <class T>
[[gnu::always_inline]] inline void convert_long_run(const int8_t* __restrict src, long n, int add, T* __restrict dst) {
  long i = 0;
  for (; i + kConvertWidth <= n; i += kConvertWidth) convert_16(src + i, add, dst + i);
  if (i < n) convert_16(src + n - kConvertWidth, add, dst + n - kConvertWidth);
}

// Zeros row[depth, kp): fewer than kGemmDepthAlignU8 elements (the GEMM's depth alignment), as plain stores (a
// loop here becomes a call to memset).
template <class T>
[[gnu::always_inline]] inline void zero_tail(T* row, int depth, int kp) {
  static_assert(kGemmDepthAlign <= 4 && kGemmDepthAlignU8 <= 4);
  if (depth < kp) row[depth] = T{0};
  if (depth + 1 < kp) row[depth + 1] = T{0};
  if (depth + 2 < kp) row[depth + 2] = T{0};
}

// The rows of `n` consecutive output pixels of one output row whose receptive fields lie inside the image
// (dilation_w 1): filter_h contiguous runs of `run` values each, the pixel's first source `src` advancing by
// `src_step`, the filter rows `row_step` apart in the input; then the zero tail from `depth` to kp. Runs under 16
// are converted 8 or 16 at a time, the extra values landing where the next run, the tail or the next row is
// written later (rows are filled in address order); the caller guarantees those 16 values lie inside the input
// and the block.
enum class RunKind { UpTo8, Under16, Long };
template <RunKind kind, class T>
[[gnu::always_inline]] inline void interior_rows(const int8_t* src, long src_step, long row_step, int filter_h,
                                                 long run, int depth, int kp, int n, int add, T* row) {
  for (int i = 0; i < n; ++i, src += src_step, row += kp) {
    T* dst = row;
    const int8_t* s = src;
    for (int fy = 0; fy < filter_h; ++fy, s += row_step, dst += run) {
      if constexpr (kind == RunKind::UpTo8) convert_8(s, add, dst);
      else if constexpr (kind == RunKind::Under16) convert_16(s, add, dst);
      else convert_long_run(s, run, add, dst);
    }
    zero_tail(row, depth, kp);
  }
}

// The im2col rows of output pixels [start, start + rows): row r holds the receptive field of pixel start + r as
// converted values, `pad` where padded, then zeros up to kp.
template <class T>
[[gnu::always_inline]] inline void im2col_body(const ConvInt8Params& p, int depth, int kp, const int8_t* input,
                                               long start, int rows, T pad, int add, T* cols) {
  // Plain locals: the stores to a uint8 row may alias anything, which would reload fields of p in the loops.
  const int in_c = p.in_c, in_h = p.in_h, in_w = p.in_w, out_h = p.out_h, out_w = p.out_w;
  const int filter_h = p.filter_h, filter_w = p.filter_w, stride_h = p.stride_h, stride_w = p.stride_w;
  const int dilation_h = p.dilation_h, dilation_w = p.dilation_w, pad_h = p.pad_h, pad_w = p.pad_w;
  const bool pointwise = is_pointwise(p);
  if (pointwise && kp == depth) return convert_run(input + start * in_c, static_cast<long>(rows) * in_c, add, cols);
  // A run shorter than 16 values (a first layer's filter row: filter_w x 3 channels) is converted 16 at a time, a
  // runtime-length loop costing several times more: the extra values land where a later run, pad or the zero tail
  // of this row or a later row is written (a block's rows are filled in address order), and neither the read nor
  // the write may pass the end of the input or of the block.
  const int8_t* const input_end = input + static_cast<long>(p.batches) * in_h * in_w * in_c;
  T* const cols_end = cols + static_cast<long>(rows) * kp;
  auto copy_run = [&](const int8_t* src, long n, T* dst) {
    if (n < kConvertWidth && src + kConvertWidth <= input_end && dst + kConvertWidth <= cols_end)
      convert_16(src, add, dst);
    else
      convert_run(src, n, add, dst);
  };
  // The pixel's coordinates, advanced per row (no divisions in the loop).
  int ox = static_cast<int>(start % out_w);
  int oy = static_cast<int>((start / out_w) % out_h);
  int b = static_cast<int>(start / (static_cast<long>(out_w) * out_h));
  const long run = static_cast<long>(filter_w) * in_c;
  const long row_step = static_cast<long>(dilation_h) * in_w * in_c, src_step = static_cast<long>(stride_w) * in_c;
  // Output columns [ox_in0, ox_in1) read no padded column (dilation_w 1).
  const int ox_in0 = dilation_w == 1 ? std::min(out_w, (pad_w + stride_w - 1) / stride_w) : out_w;
  const int ox_in1 = dilation_w == 1 && in_w + pad_w - filter_w >= 0
                         ? std::max(ox_in0, std::min(out_w, (in_w + pad_w - filter_w) / stride_w + 1))
                         : ox_in0;
  for (int r = 0; r < rows;) {
    T* row = cols + static_cast<long>(r) * kp;
    if (pointwise) {
      copy_run(input + (start + r) * in_c, in_c, row);
      zero_tail(row, depth, kp);
      ++r;
      continue;
    }
    const int iy0 = oy * stride_h - pad_h;
    const int ix0 = ox * stride_w - pad_w;
    const bool rows_inside = iy0 >= 0 && iy0 + (filter_h - 1) * dilation_h < in_h;
    int n = rows_inside && ox >= ox_in0 && ox < ox_in1 ? std::min(ox_in1 - ox, rows - r) : 0;
    if (n > 0 && run < kConvertWidth) {
      // Pixel i of the segment reads 16 values from its last filter row and writes 16 from its last run, both
      // further on for each later pixel: the pixels whose 16 would pass the input's or the block's end are cut
      // off the segment and take the generic path below.
      const long first_src = (static_cast<long>(b) * in_h + iy0) * in_w * in_c + static_cast<long>(ix0) * in_c +
                             (filter_h - 1) * row_step;  // pixel 0's last filter row, from the input's start
      const long first_dst = (filter_h - 1) * run + (row - cols);  // its last run, from the block's start
      const long input_room = (input_end - input) - kConvertWidth - first_src;
      const long block_room = (cols_end - cols) - kConvertWidth - first_dst;
      const long fit_src = input_room < 0 ? 0 : (src_step > 0 ? input_room / src_step + 1 : n);
      const long fit_dst = block_room < 0 ? 0 : block_room / kp + 1;
      n = static_cast<int>(std::min<long>({n, fit_src, fit_dst}));
    }
    if (n > 0) {
      const int8_t* src = input + (static_cast<long>(b) * in_h + iy0) * in_w * in_c + static_cast<long>(ix0) * in_c;
      if (run <= kConvertHalf)
        interior_rows<RunKind::UpTo8>(src, src_step, row_step, filter_h, run, depth, kp, n, add, row);
      else if (run < kConvertWidth)
        interior_rows<RunKind::Under16>(src, src_step, row_step, filter_h, run, depth, kp, n, add, row);
      else
        interior_rows<RunKind::Long>(src, src_step, row_step, filter_h, run, depth, kp, n, add, row);
      r += n;
      ox += n;  // stays within the output row: ox_in1 <= out_w
      if (ox == out_w) {
        ox = 0;
        if (++oy == out_h) oy = 0, ++b;
      }
      continue;
    }
    // A border pixel. With dilation_w 1 a filter row inside the image vertically is padded taps left of the
    // image, one run of the taps inside it, padded taps right of it.
    const int fx_lo = dilation_w == 1 ? std::clamp(-ix0, 0, filter_w) : 0;
    const int fx_hi = dilation_w == 1 ? std::clamp(in_w - ix0, fx_lo, filter_w) : 0;
    T* dst = row;
    for (int fy = 0; fy < filter_h; ++fy, dst += run) {
      const int iy = iy0 + fy * dilation_h;
      if (iy < 0 || iy >= in_h) {
        std::fill(dst, dst + run, pad);
        continue;
      }
      const int8_t* src_row = input + (static_cast<long>(b) * in_h + iy) * in_w * in_c;
      if (dilation_w == 1) {
        std::fill(dst, dst + static_cast<long>(fx_lo) * in_c, pad);
        if (fx_hi > fx_lo)
          copy_run(src_row + static_cast<long>(ix0 + fx_lo) * in_c, static_cast<long>(fx_hi - fx_lo) * in_c,
                   dst + static_cast<long>(fx_lo) * in_c);
        std::fill(dst + static_cast<long>(fx_hi) * in_c, dst + run, pad);
        continue;
      }
      for (int fx = 0; fx < filter_w; ++fx) {
        const int ix = ix0 + fx * dilation_w;
        T* tap = dst + static_cast<long>(fx) * in_c;
        if (ix < 0 || ix >= in_w) std::fill(tap, tap + in_c, pad);
        else copy_run(src_row + static_cast<long>(ix) * in_c, in_c, tap);
      }
    }
    if (++ox == out_w) {
      ox = 0;
      if (++oy == out_h) oy = 0, ++b;
    }
    zero_tail(row, depth, kp);
    ++r;
  }
}

template <class T>
using Im2col = void (*)(const ConvInt8Params&, int, int, const int8_t*, long, int, T, int, T*);

template <class T>
void im2col_portable(const ConvInt8Params& p, int depth, int kp, const int8_t* input, long start, int rows, T pad,
                     int add, T* cols) {
  im2col_body(p, depth, kp, input, start, rows, pad, add, cols);
}
#if defined(__x86_64__)
template <class T>
__attribute__((target("avx2"))) void im2col_avx2(const ConvInt8Params& p, int depth, int kp, const int8_t* input,
                                                 long start, int rows, T pad, int add, T* cols) {
  im2col_body(p, depth, kp, input, start, rows, pad, add, cols);
}
#endif

template <class T>
Im2col<T> im2col_for(Isa isa) {
#if defined(__x86_64__)
  if (isa != Isa::Portable) return im2col_avx2<T>;
#endif
  (void)isa;
  return im2col_portable<T>;
}

// The implicit im2col (conv_2d_int8_padded_image.h) serves int16 GEMM rows for every convolution but the
// pointwise one, whose rows already are the input; uint8 rows (the VNNI layout) take the im2col copy.
std::optional<PaddedImageLayout> padded_image_for(const ConvInt8Params& p, const int8_t* filter, Isa isa) {
  if (is_pointwise(p) || Int8Gemm::takes_unsigned_rows(isa)) return std::nullopt;
  return padded_image_layout(p, filter);
}

class Conv2DInt8Fast final : public Kernel {
 public:
  Conv2DInt8Fast(ConvInt8Params p, const int8_t* filter, Isa isa = active_isa())
      : p_(std::move(p)) {
    if (std::optional<PaddedImageLayout> layout = padded_image_for(p_, filter, isa)) {
      padded_ = true;
      layout_ = std::move(*layout);
      gemm_ = Int8Gemm(layout_.filter.data(), p_.out_c, static_cast<int>(2 * layout_.pair_offset.size()), isa);
      layout_.filter = {};  // packed into gemm_
    } else {
      gemm_ = Int8Gemm(filter, p_.out_c, p_.filter_h * p_.filter_w * p_.in_c, isa);
    }
    depth_ = gemm_.depth();
    kp_ = gemm_.row_stride();
    im2col_s16_ = im2col_for<int16_t>(gemm_.isa());
    im2col_u8_ = im2col_for<uint8_t>(gemm_.isa());
    std::vector<int32_t> bias(static_cast<size_t>(p_.out_c), 0);
    for (size_t oc = 0; oc < p_.bias.size(); ++oc) bias[oc] = static_cast<int32_t>(p_.bias[oc]);
    bias32_ = gemm_.unsigned_offset_bias(bias, -p_.input_offset);
    shift32_.assign(p_.shift.begin(), p_.shift.end());
    any_left_shift_ = requantize_any_left_shift(shift32_.data(), p_.out_c);
    uniform_ = requantize_uniform(p_.multiplier.data(), shift32_.data(), p_.out_c);
  }

  // Accumulators first, then the im2col rows, or the row pointers and the padded image.
  size_t scratch_bytes() const override {
    const size_t acc = static_cast<size_t>(kRowsPerBlock) * p_.out_c * sizeof(int32_t);
    if (padded_)
      return acc + kRowsPerBlock * sizeof(const int16_t*) + static_cast<size_t>(layout_.elements) * sizeof(int16_t);
    return acc + kRowsPerBlock * gemm_.row_bytes();
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data());
    uint8_t* after_acc = io.scratch.data() + static_cast<size_t>(kRowsPerBlock) * p_.out_c * sizeof(int32_t);
    const long pixels = static_cast<long>(p_.batches) * p_.out_h * p_.out_w;
    if (padded_) {
      auto* rows = reinterpret_cast<const int16_t**>(after_acc);
      auto* image = reinterpret_cast<int16_t*>(after_acc + kRowsPerBlock * sizeof(const int16_t*));
      fill_padded_image(gemm_.isa(), p_, layout_, input, image);
      PaddedPixelWalk walk(p_, layout_);
      for (long start = 0; start < pixels; start += kRowsPerBlock) {
        const int n = static_cast<int>(std::min<long>(kRowsPerBlock, pixels - start));
        for (int r = 0; r < n; ++r) rows[r] = image + walk.next();
        gemm_.multiply_gathered(rows, layout_.pair_offset.data(), n, acc);
        requantize(acc, n, output + start * p_.out_c);
      }
      return;
    }
    const bool u8 = gemm_.unsigned_rows();
    for (long start = 0; start < pixels; start += kRowsPerBlock) {
      const int rows = static_cast<int>(std::min<long>(kRowsPerBlock, pixels - start));
      if (u8)
        im2col_u8_(p_, depth_, kp_, input, start, rows, static_cast<uint8_t>(128 - p_.input_offset), 128, after_acc);
      else
        im2col_s16_(p_, depth_, kp_, input, start, rows, int16_t{0}, p_.input_offset,
                    reinterpret_cast<int16_t*>(after_acc));
      gemm_.multiply(after_acc, rows, acc);
      requantize(acc, rows, output + start * p_.out_c);
    }
  }

 private:
  void requantize(const int32_t* acc, int rows, int8_t* out) const {
    const RequantizeChannels q{bias32_.data(), p_.multiplier.data(), shift32_.data(), p_.out_c, p_.output_offset,
                               p_.act_min, p_.act_max, any_left_shift_, uniform_};
    requantize_rows(gemm_.isa(), q, acc, rows, out);
  }

  ConvInt8Params p_;
  bool padded_ = false;           // implicit im2col over a padded image (else im2col rows)
  PaddedImageLayout layout_;      // when padded_
  Int8Gemm gemm_;                 // the weights, packed for the active ISA's GEMM
  int depth_ = 0, kp_ = 0;        // im2col row: depth_ values, kp_ elements
  Im2col<int16_t> im2col_s16_ = nullptr;  // the loops of the ISA prepared for
  Im2col<uint8_t> im2col_u8_ = nullptr;
  std::vector<int32_t> bias32_;   // bias, with the uint8 offset correction when the GEMM takes uint8 rows
  std::vector<int32_t> shift32_;
  bool any_left_shift_ = true;  // some shift32_ > 0 (requantize_any_left_shift)
  bool uniform_ = false;        // one multiplier and shift for every channel (requantize_uniform)
};

}  // namespace

KernelResult make_conv_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  if (p->int16 || p->groups != 1) return make_conv_2d_int8_reference(g, op_index);
  auto weights = known_input(g, op_index, 1, "weights");  // a constant, or decoded from TFLM_DECODE's inputs
  if (!weights) return weights.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<Conv2DInt8Fast>(std::move(*p), reinterpret_cast<const int8_t*>(weights->data())));
}

}  // namespace tinyopt
