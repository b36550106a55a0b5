// runtime/kernels/tanh_float.cc: float TANH, elementwise: y = tanh(x).
#include <algorithm>
#include <cmath>

#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_tanh_float(const Graph& g, int op_index) {
  return make_unary_float(g, op_index, [](float x) { return std::tanh(x); });
}

}  // namespace tinyopt
