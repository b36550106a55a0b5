// runtime/kernels/reshape_backward.cc: gradient of float RESHAPE: the bytes are unchanged, so dx = dy (the shape input has no gradient).
#include "runtime/kernels/unary_backward.h"

namespace tinyopt {

Expected<std::unique_ptr<BackwardKernel>> make_reshape_backward(const Graph& g, int op_index) {
  return make_unary_backward(g, op_index, [](float, float, float dy) { return dy; });
}

}  // namespace tinyopt
