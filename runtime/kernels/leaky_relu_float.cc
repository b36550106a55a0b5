// runtime/kernels/leaky_relu_float.cc: float LEAKY_RELU, elementwise: y = x > 0 ? x : alpha * x.
#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_leaky_relu_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const float alpha =
      std::holds_alternative<LeakyReluOptions>(op.options) ? op.opts<LeakyReluOptions>().alpha : LeakyReluOptions{}.alpha;
  return make_unary_float(g, op_index, [alpha](float x) { return x > 0.0f ? x : alpha * x; });
}

}  // namespace tinyopt
