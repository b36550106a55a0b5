// runtime/kernels/conv_2d_int8_padded_image.h: the implicit im2col of the fast CONV_2D int8 kernel for int16 GEMM
// rows (runtime/quantized_gemm.h, portable and AVX2 variants).
//
// The input is widened once per invoke into a zero-padded image [batches][ph][pw][in_c] of x - zero point (a padded
// tap contributes 0, as "skip the tap" does in the reference kernel). Output pixel (b, oy, ox)'s receptive field then
// starts at element ((b * ph + oy * stride_h) * pw + ox * stride_w) * in_c, and its filter rows are contiguous runs
// at offsets that do not depend on the pixel: with dilation_w 1 one run of filter_w * in_c values per filter row,
// otherwise one run of in_c values per tap. Each run is padded to an even length with a zero weight, so every depth
// pair of the GEMM lies inside one run and is read in place (Int8Gemm::multiply_gathered) instead of being copied
// into an im2col row, which for a 3x3 filter writes each input value nine times. The pair past an odd run's end
// reads the next value of the image (or the zeroed slack after it) times 0, so the int32 accumulator is the
// reference's, bit for bit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/kernels/conv_2d_int8.h"

namespace tinyopt {

struct PaddedImageLayout {
  int ph = 0, pw = 0;                 // padded height and width
  long elements = 0;                  // batches * ph * pw * in_c, plus the zeroed slack
  std::vector<int32_t> pair_offset;   // per depth pair of the re-laid filter: elements from the pixel's start
  std::vector<int8_t> filter;         // [out_c][2 * pair_offset.size()]: the filter with a zero after odd runs
};

// The layout for `p` and its filter [out_c][filter_h][filter_w][in_c]; nullopt when a receptive field spans more
// elements of the image than an int32 offset holds.
std::optional<PaddedImageLayout> padded_image_layout(const ConvInt8Params& p, const int8_t* filter);

// Writes the padded image of `input` (NHWC int8) into image[0, layout.elements), with the loops of `isa`.
void fill_padded_image(Isa isa, const ConvInt8Params& p, const PaddedImageLayout& layout, const int8_t* input,
                       int16_t* image);

// The first element of each output pixel's receptive field in the padded image, pixel after pixel in NHWC order
// (no divisions: a 64-bit division per pixel would cost more than the pixel's GEMM on a small first layer).
class PaddedPixelWalk {
 public:
  PaddedPixelWalk(const ConvInt8Params& p, const PaddedImageLayout& layout)
      : out_w_(p.out_w), out_h_(p.out_h), x_step_(static_cast<long>(p.stride_w) * p.in_c),
        y_step_(static_cast<long>(p.stride_h) * layout.pw * p.in_c),
        image_step_(static_cast<long>(layout.ph) * layout.pw * p.in_c) {}
  long next() {
    const long at = image_ + row_ + x_;
    if (++ox_ < out_w_) {
      x_ += x_step_;
    } else {
      ox_ = 0, x_ = 0;
      if (++oy_ < out_h_) row_ += y_step_;
      else oy_ = 0, row_ = 0, image_ += image_step_;
    }
    return at;
  }

 private:
  int out_w_, out_h_, ox_ = 0, oy_ = 0;
  long x_step_, y_step_, image_step_, x_ = 0, row_ = 0, image_ = 0;
};

}  // namespace tinyopt
