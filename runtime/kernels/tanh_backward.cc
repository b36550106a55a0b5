// runtime/kernels/tanh_backward.cc: gradient of float TANH: dx = dy * (1 - y^2).
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_tanh_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index, [](float, float y, float dy) { return dy * (1.f - y * y); });
}

}  // namespace tinyopt
