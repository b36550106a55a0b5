// runtime/kernels/add_float.cc: float ADD with NumPy broadcasting and a fused activation: y = act(a + b).
#include "runtime/kernels/broadcast_float.h"

namespace tinyopt {
namespace {
struct AddFn {
  float operator()(float a, float b) const { return a + b; }
};
}  // namespace

KernelResult make_add_float(const Graph& g, int op_index) { return make_broadcast_float<AddFn>(g, op_index); }

}  // namespace tinyopt
