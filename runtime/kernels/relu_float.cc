// runtime/kernels/relu_float.cc: float RELU, elementwise: y = max(x, 0).
#include <algorithm>
#include <cmath>

#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_relu_float(const Graph& g, int op_index) {
  return make_unary_float(g, op_index, [](float x) { return std::max(x, 0.0f); });
}

}  // namespace tinyopt
