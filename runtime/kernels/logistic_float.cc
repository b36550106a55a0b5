// runtime/kernels/logistic_float.cc: float LOGISTIC, elementwise: y = 1 / (1 + exp(-x)).
#include <algorithm>
#include <cmath>

#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_logistic_float(const Graph& g, int op_index) {
  return make_unary_float(g, op_index, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}

}  // namespace tinyopt
