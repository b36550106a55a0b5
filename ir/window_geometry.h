// ir/window_geometry.h: the geometry of windowed ops (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D)
// along one spatial dimension, as TFLite computes it. Shape inference and every kernel (float, int8, backward)
// take output sizes and padding from here, so a kernel pads exactly as the shapes were inferred.
#pragma once

#include <cstdint>

#include "ir/op_options.h"

namespace tinyopt {

// Output size and leading padding of one spatial dimension.
//   effective filter = (filter - 1) * dilation + 1;
//   out: SAME ceil(in / stride), VALID ceil((in - effective + 1) / stride), 0 when the window does not fit;
//   pad_before: TFLite pads total = max((out - 1) * stride + effective - in, 0) and puts total / 2 before (top or
//   left; the odd element goes after). VALID never pads.
struct WindowDim {
  int32_t out = 0;
  int32_t pad_before = 0;
};
WindowDim window_dim(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation);

inline int32_t window_output_size(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  return window_dim(padding, in, filter, stride, dilation).out;
}
inline int32_t window_padding_before(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  return window_dim(padding, in, filter, stride, dilation).pad_before;
}

}  // namespace tinyopt
