// ir/window_geometry.cc: output size and padding of windowed ops (see window_geometry.h).
#include "ir/window_geometry.h"

namespace tinyopt {

WindowDim window_dim(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  if (stride <= 0) return {};
  const int64_t eff = (int64_t{filter} - 1) * dilation + 1;
  const int64_t out = padding == Padding::Same ? (int64_t{in} + stride - 1) / stride : (in - eff + stride) / stride;
  WindowDim d;
  d.out = out > 0 ? static_cast<int32_t>(out) : 0;
  if (padding == Padding::Valid) return d;
  const int64_t total = (int64_t{d.out} - 1) * stride + eff - in;
  d.pad_before = total > 0 ? static_cast<int32_t>(total / 2) : 0;
  return d;
}

}  // namespace tinyopt
