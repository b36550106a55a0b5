// runtime/kernels/relu6_backward.cc: gradient of float RELU6: dx = dy where 0 < x < 6.
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_relu6_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index,
                             [](float x, float, float dy) { return (x > 0.f && x < 6.f) ? dy : 0.f; });
}

}  // namespace tinyopt
