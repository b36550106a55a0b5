// runtime/kernels/relu6_float.cc: float RELU6, elementwise: y = min(max(x, 0), 6).
#include <algorithm>
#include <cmath>

#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_relu6_float(const Graph& g, int op_index) {
  return make_unary_float(g, op_index, [](float x) { return std::min(std::max(x, 0.0f), 6.0f); });
}

}  // namespace tinyopt
