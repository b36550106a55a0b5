// runtime/kernels/softmax_float.cc: float SOFTMAX over the last dimension with TFLite's beta:
// y_i = exp(beta * (x_i - max)) / sum_j exp(beta * (x_j - max)); subtracting the row max keeps exp from overflowing.
#include <algorithm>
#include <cmath>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

class SoftmaxFloat final : public Kernel {
 public:
  int64_t rows = 0, depth = 0;
  float beta = 1.0f;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    for (int64_t r = 0; r < rows; ++r, x += depth, y += depth) {
      const float max = *std::max_element(x, x + depth);
      float sum = 0.0f;
      for (int64_t i = 0; i < depth; ++i) sum += (y[i] = std::exp((x[i] - max) * beta));
      const float inv = 1.0f / sum;
      for (int64_t i = 0; i < depth; ++i) y[i] *= inv;
    }
  }
};

}  // namespace

KernelResult make_softmax_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Shape& s = g.tensor(op.inputs[0]).shape;
  auto k = std::make_unique<SoftmaxFloat>();
  k->beta = std::holds_alternative<SoftmaxOptions>(op.options) ? op.opts<SoftmaxOptions>().beta : 1.0f;
  k->depth = s.empty() ? 1 : s.back();
  k->rows = k->depth > 0 ? num_elements(s) / k->depth : 0;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
