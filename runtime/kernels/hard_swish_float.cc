// runtime/kernels/hard_swish_float.cc: float HARD_SWISH, elementwise: y = x * relu6(x + 3) / 6 (MobileNetV3).
#include <algorithm>
#include <cmath>

#include "runtime/kernels/unary_float.h"

namespace tinyopt {

KernelResult make_hard_swish_float(const Graph& g, int op_index) {
  return make_unary_float(g, op_index, [](float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; });
}

}  // namespace tinyopt
