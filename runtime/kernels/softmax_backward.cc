// runtime/kernels/softmax_backward.cc: gradient of float SOFTMAX over the last axis with temperature beta,
// y = softmax(beta * x):  dx_i = beta * y_i * (dy_i - sum_j dy_j * y_j).
// (Training with cross-entropy does not come here: the tape seeds the logits' gradient directly, which is stabler.)
#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

class SoftmaxBackward final : public BackwardKernel {
 public:
  int64_t rows = 0, depth = 0;
  float beta = 1.f;

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    const float* y = io.outputs[0];
    const float* dy = io.output_grads[0];
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t o = r * depth;
      double dot = 0;
      for (int64_t j = 0; j < depth; ++j) dot += double{dy[o + j]} * y[o + j];
      for (int64_t j = 0; j < depth; ++j) dx[o + j] += beta * y[o + j] * (dy[o + j] - static_cast<float>(dot));
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_softmax_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Shape& x = g.tensor(op.inputs[0]).shape;
  if (x.empty() || x.back() <= 0) return fail(Errc::BadInput, g.where(op_index), "SOFTMAX needs a non-empty last axis");
  auto k = std::make_unique<SoftmaxBackward>();
  k->depth = x.back();
  k->rows = num_elements(x) / k->depth;
  if (const auto* o = std::get_if<SoftmaxOptions>(&op.options)) k->beta = o->beta;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
