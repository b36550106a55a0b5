// runtime/kernels/pool_2d_backward.h: window geometry shared by the AVERAGE_POOL_2D and MAX_POOL_2D backward
// kernels (each kernel file holds its own derivative).
#pragma once

#include "ir/shape_inference.h"
#include "runtime/backward_kernel.h"

namespace tinyopt {

struct PoolGeometry {
  int n = 0, h = 0, w = 0, c = 0, oh = 0, ow = 0, fh = 1, fw = 1, sh = 1, sw = 1, pad_top = 0, pad_left = 0;
  Activation act = Activation::None;

  // Valid input rows [y0, y1) and columns [x0, x1) of output pixel (oy, ox), clipped to the image as TFLite does.
  void window(int oy, int ox, int& y0, int& y1, int& x0, int& x1) const {
    y0 = oy * sh - pad_top, x0 = ox * sw - pad_left;
    y1 = std::min(y0 + fh, h), x1 = std::min(x0 + fw, w);
    y0 = std::max(y0, 0), x0 = std::max(x0, 0);
  }
  size_t out_count() const { return static_cast<size_t>(int64_t{n} * oh * ow * c); }
};

inline Expected<PoolGeometry> pool_geometry(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const auto& o = op.opts<Pool2DOptions>();
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  if (x.size() != 4 || y.size() != 4)
    return fail(Errc::BadInput, g.where(op_index), "pool backward needs rank-4 input and output");
  PoolGeometry p;
  p.n = x[0], p.h = x[1], p.w = x[2], p.c = x[3], p.oh = y[1], p.ow = y[2];
  p.fh = o.filter_h, p.fw = o.filter_w, p.sh = o.stride_h, p.sw = o.stride_w;
  p.pad_top = window_padding_before(o.padding, p.h, p.fh, p.sh, 1);
  p.pad_left = window_padding_before(o.padding, p.w, p.fw, p.sw, 1);
  p.act = o.activation;
  return p;
}

}  // namespace tinyopt
