// runtime/kernels/relu_backward.cc: gradient of float RELU: dx = dy where x > 0 (0 at x = 0, the usual subgradient).
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_relu_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index, [](float x, float, float dy) { return x > 0.f ? dy : 0.f; });
}

}  // namespace tinyopt
