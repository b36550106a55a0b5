// runtime/kernels/max_pool_2d_backward.cc: gradient of float MAX_POOL_2D: each window's dZ goes to the input
// pixel holding the window maximum (the first one in row-major window order on ties), a subgradient choice.
#include <algorithm>

#include "runtime/kernels/pool_2d_backward.h"

namespace tinyopt {
namespace {

class MaxPool2DBackward final : public BackwardKernel {
 public:
  PoolGeometry p;
  size_t scratch_floats() const override { return p.out_count(); }

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    float* dz = io.scratch.data();
    fused_activation_grad(p.act, {io.outputs[0], p.out_count()}, {io.output_grads[0], p.out_count()},
                          {dz, p.out_count()});
    const float* x = io.inputs[0];
    for (int b = 0; b < p.n; ++b)
      for (int oy = 0; oy < p.oh; ++oy)
        for (int ox = 0; ox < p.ow; ++ox) {
          int y0, y1, x0, x1;
          p.window(oy, ox, y0, y1, x0, x1);
          if (y1 <= y0 || x1 <= x0) continue;
          const float* g = dz + ((int64_t{b} * p.oh + oy) * p.ow + ox) * p.c;
          for (int c = 0; c < p.c; ++c) {
            int64_t best = ((int64_t{b} * p.h + y0) * p.w + x0) * p.c + c;
            for (int iy = y0; iy < y1; ++iy)
              for (int ix = x0; ix < x1; ++ix) {
                const int64_t at = ((int64_t{b} * p.h + iy) * p.w + ix) * p.c + c;
                if (x[at] > x[best]) best = at;
              }
            dx[best] += g[c];
          }
        }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_max_pool_2d_backward(const Graph& g, int op_index) {
  auto p = pool_geometry(g, op_index);
  if (!p) return p.take_error();
  auto k = std::make_unique<MaxPool2DBackward>();
  k->p = *p;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
