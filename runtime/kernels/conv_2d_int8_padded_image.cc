// runtime/kernels/conv_2d_int8_padded_image.cc: the padded image of the implicit im2col (see the header).
#include "runtime/kernels/conv_2d_int8_padded_image.h"

#include <algorithm>
#include <limits>

namespace tinyopt {

namespace {

constexpr long kSlack = 2;  // zeroed elements after the image: the pair past the last odd run reads one of them

struct Run {
  long start;    // offset in the padded image from the pixel's first element
  long k_first;  // its first depth index in the filter's [filter_h][filter_w][in_c] order
  long length;
};

std::vector<Run> receptive_field_runs(const ConvInt8Params& p, int pw) {
  std::vector<Run> runs;
  const long row = static_cast<long>(pw) * p.in_c;
  for (int fy = 0; fy < p.filter_h; ++fy) {
    if (p.dilation_w == 1) {
      runs.push_back({fy * p.dilation_h * row, static_cast<long>(fy) * p.filter_w * p.in_c,
                      static_cast<long>(p.filter_w) * p.in_c});
      continue;
    }
    for (int fx = 0; fx < p.filter_w; ++fx)
      runs.push_back({fy * p.dilation_h * row + static_cast<long>(fx) * p.dilation_w * p.in_c,
                      (static_cast<long>(fy) * p.filter_w + fx) * p.in_c, p.in_c});
  }
  return runs;
}

[[gnu::always_inline]] inline void fill_body(const ConvInt8Params& p, const PaddedImageLayout& layout,
                                             const int8_t* input, int16_t* image) {
  const long c = p.in_c, row = static_cast<long>(layout.pw) * c;
  const long left = static_cast<long>(p.pad_w) * c, inside = static_cast<long>(p.in_w) * c;
  const int16_t offset = static_cast<int16_t>(p.input_offset);
  for (int b = 0; b < p.batches; ++b)
    for (int py = 0; py < layout.ph; ++py) {
      int16_t* dst = image + (static_cast<long>(b) * layout.ph + py) * row;
      const int iy = py - p.pad_h;
      if (iy < 0 || iy >= p.in_h) {
        std::fill(dst, dst + row, int16_t{0});
        continue;
      }
      const int8_t* __restrict src = input + (static_cast<long>(b) * p.in_h + iy) * inside;
      std::fill(dst, dst + left, int16_t{0});
      int16_t* __restrict d = dst + left;
      for (long i = 0; i < inside; ++i) d[i] = static_cast<int16_t>(src[i] + offset);
      std::fill(dst + left + inside, dst + row, int16_t{0});
    }
  std::fill(image + layout.elements - kSlack, image + layout.elements, int16_t{0});
}

// One body, compiled for baseline x86-64 and for AVX2 (the widening loop vectorises for each).
void fill_portable(const ConvInt8Params& p, const PaddedImageLayout& layout, const int8_t* input, int16_t* image) {
  fill_body(p, layout, input, image);
}
#if defined(__x86_64__)
__attribute__((target("avx2"))) void fill_avx2(const ConvInt8Params& p, const PaddedImageLayout& layout,
                                               const int8_t* input, int16_t* image) {
  fill_body(p, layout, input, image);
}
#endif

}  // namespace

std::optional<PaddedImageLayout> padded_image_layout(const ConvInt8Params& p, const int8_t* filter) {
  PaddedImageLayout layout;
  // Every row and column a receptive field reaches: the image after its leading padding, and as far as the last
  // output pixel's last tap reaches (the trailing padding).
  layout.ph = std::max(p.pad_h + p.in_h, (p.out_h - 1) * p.stride_h + (p.filter_h - 1) * p.dilation_h + 1);
  layout.pw = std::max(p.pad_w + p.in_w, (p.out_w - 1) * p.stride_w + (p.filter_w - 1) * p.dilation_w + 1);
  layout.elements = static_cast<long>(p.batches) * layout.ph * layout.pw * p.in_c + kSlack;
  const std::vector<Run> runs = receptive_field_runs(p, layout.pw);
  if (runs.back().start + runs.back().length + 1 > std::numeric_limits<int32_t>::max()) return std::nullopt;
  for (const Run& r : runs)
    for (long j = 0; j < r.length; j += 2) layout.pair_offset.push_back(static_cast<int32_t>(r.start + j));
  const long depth = static_cast<long>(p.filter_h) * p.filter_w * p.in_c;
  const long padded_depth = 2 * static_cast<long>(layout.pair_offset.size());
  layout.filter.assign(static_cast<size_t>(p.out_c * padded_depth), 0);
  for (int oc = 0; oc < p.out_c; ++oc) {
    long k = 0;
    for (const Run& r : runs) {
      std::copy(filter + oc * depth + r.k_first, filter + oc * depth + r.k_first + r.length,
                layout.filter.begin() + oc * padded_depth + k);
      k += (r.length + 1) / 2 * 2;  // an odd run is followed by a zero weight
    }
  }
  return layout;
}

void fill_padded_image(Isa isa, const ConvInt8Params& p, const PaddedImageLayout& layout, const int8_t* input,
                       int16_t* image) {
#if defined(__x86_64__)
  if (isa != Isa::Portable) return fill_avx2(p, layout, input, image);
#endif
  (void)isa;
  fill_portable(p, layout, input, image);
}

}  // namespace tinyopt
