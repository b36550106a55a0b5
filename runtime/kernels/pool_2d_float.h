// runtime/kernels/pool_2d_float.h: geometry shared by the float AVERAGE_POOL_2D and MAX_POOL_2D kernels, and the
// window loop. For each output pixel the window is clipped to the input (padding is never read): TFLite's
// reference pools average over the in-bounds elements only and take the max over them.
#pragma once

#include <algorithm>
#include <memory>

#include "ir/shape_inference.h"
#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

struct Pool2DGeometry {
  int batches = 0, in_h = 0, in_w = 0, channels = 0, out_h = 0, out_w = 0;
  int f_h = 1, f_w = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  FloatClamp clamp{};

  // Calls visit(out_row, y0, y1, x0, x1, image) for every output pixel with its clipped window [y0,y1) x [x0,x1).
  template <class Visit>
  void for_each_window(const float* x, float* y, Visit visit) const {
    for (int b = 0; b < batches; ++b) {
      const float* image = x + int64_t{b} * in_h * in_w * channels;
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox) {
          const int y0 = std::max(oy * stride_h - pad_top, 0), y1 = std::min(oy * stride_h - pad_top + f_h, in_h);
          const int x0 = std::max(ox * stride_w - pad_left, 0), x1 = std::min(ox * stride_w - pad_left + f_w, in_w);
          visit(y + ((int64_t{b} * out_h + oy) * out_w + ox) * channels, y0, y1, x0, x1, image);
        }
    }
  }
};

inline Expected<Pool2DGeometry> prepare_pool_2d(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Pool2DOptions o = std::holds_alternative<Pool2DOptions>(op.options) ? op.opts<Pool2DOptions>() : Pool2DOptions{};
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  Pool2DGeometry p;
  p.batches = x[0], p.in_h = x[1], p.in_w = x[2], p.channels = x[3], p.out_h = y[1], p.out_w = y[2];
  p.f_h = o.filter_h, p.f_w = o.filter_w, p.stride_h = o.stride_h, p.stride_w = o.stride_w;
  p.pad_top = window_padding_before(o.padding, x[1], o.filter_h, o.stride_h, 1);
  p.pad_left = window_padding_before(o.padding, x[2], o.filter_w, o.stride_w, 1);
  p.clamp = *clamp;
  return p;
}

}  // namespace tinyopt
