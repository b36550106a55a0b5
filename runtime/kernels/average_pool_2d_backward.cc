// runtime/kernels/average_pool_2d_backward.cc: gradient of float AVERAGE_POOL_2D. TFLite divides each window's
// sum by the number of input pixels inside the image (padding is not counted), so each of those pixels receives
// dZ / count.
#include <algorithm>

#include "runtime/kernels/pool_2d_backward.h"

namespace tinyopt {
namespace {

class AveragePool2DBackward final : public BackwardKernel {
 public:
  PoolGeometry p;
  size_t scratch_floats() const override { return p.out_count(); }

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    float* dz = io.scratch.data();
    fused_activation_grad(p.act, {io.outputs[0], p.out_count()}, {io.output_grads[0], p.out_count()},
                          {dz, p.out_count()});
    for (int b = 0; b < p.n; ++b)
      for (int oy = 0; oy < p.oh; ++oy)
        for (int ox = 0; ox < p.ow; ++ox) {
          int y0, y1, x0, x1;
          p.window(oy, ox, y0, y1, x0, x1);
          const int count = (y1 - y0) * (x1 - x0);
          if (count <= 0) continue;
          const float inv = 1.f / static_cast<float>(count);
          const float* g = dz + ((int64_t{b} * p.oh + oy) * p.ow + ox) * p.c;
          for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
              float* d = dx + ((int64_t{b} * p.h + iy) * p.w + ix) * p.c;
              for (int c = 0; c < p.c; ++c) d[c] += g[c] * inv;
            }
        }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_average_pool_2d_backward(const Graph& g, int op_index) {
  auto p = pool_geometry(g, op_index);
  if (!p) return p.take_error();
  auto k = std::make_unique<AveragePool2DBackward>();
  k->p = *p;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
