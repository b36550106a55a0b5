// runtime/kernels/max_pool_2d_float.cc: float MAX_POOL_2D: the max of the in-bounds window elements per channel,
// then the fused activation.
#include <limits>

#include "runtime/kernels/pool_2d_float.h"

namespace tinyopt {
namespace {

class MaxPool2DFloat final : public Kernel {
 public:
  Pool2DGeometry p;
  void eval(const OpBuffers& io) const override {
    const int c_n = p.channels;
    p.for_each_window(reinterpret_cast<const float*>(io.inputs[0]), reinterpret_cast<float*>(io.outputs[0]),
                      [&](float* out, int y0, int y1, int x0, int x1, const float* image) {
                        std::fill(out, out + c_n, std::numeric_limits<float>::lowest());
                        for (int iy = y0; iy < y1; ++iy)
                          for (int ix = x0; ix < x1; ++ix) {
                            const float* in = image + (int64_t{iy} * p.in_w + ix) * c_n;
                            for (int c = 0; c < c_n; ++c) out[c] = std::max(out[c], in[c]);
                          }
                        for (int c = 0; c < c_n; ++c) out[c] = apply_clamp(out[c], p.clamp);
                      });
  }
};

}  // namespace

KernelResult make_max_pool_2d_float(const Graph& g, int op_index) {
  auto p = prepare_pool_2d(g, op_index);
  if (!p) return p.take_error();
  auto k = std::make_unique<MaxPool2DFloat>();
  k->p = *p;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
