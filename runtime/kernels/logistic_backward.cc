// runtime/kernels/logistic_backward.cc: gradient of float LOGISTIC: y = 1 / (1 + e^-x), dx = dy * y * (1 - y).
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_logistic_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index, [](float, float y, float dy) { return dy * y * (1.f - y); });
}

}  // namespace tinyopt
