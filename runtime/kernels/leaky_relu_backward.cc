// runtime/kernels/leaky_relu_backward.cc: gradient of float LEAKY_RELU, y = x for x > 0 else alpha * x:
// dx = dy for x > 0, alpha * dy otherwise.
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_leaky_relu_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  float alpha = 0.f;
  if (const auto* o = std::get_if<LeakyReluOptions>(&op.options)) alpha = o->alpha;
  return make_unary_backward(g, op_index, [alpha](float x, float, float dy) { return x > 0.f ? dy : alpha * dy; });
}

}  // namespace tinyopt
