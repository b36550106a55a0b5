// runtime/kernels/hard_swish_backward.cc: gradient of float HARD_SWISH: y = x * relu6(x + 3) / 6, so dx = 0 for x <= -3, dy for x >= 3, dy * (2x + 3) / 6 between.
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_hard_swish_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index, [](float x, float, float dy) {
    if (x <= -3.f) return 0.f;
    if (x >= 3.f) return dy;
    return dy * (2.f * x + 3.f) / 6.f;
  });
}

}  // namespace tinyopt
