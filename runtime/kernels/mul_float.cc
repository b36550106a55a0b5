// runtime/kernels/mul_float.cc: float MUL with NumPy broadcasting and a fused activation: y = act(a * b).
#include "runtime/kernels/broadcast_float.h"

namespace tinyopt {
namespace {
struct MulFn {
  float operator()(float a, float b) const { return a * b; }
};
}  // namespace

KernelResult make_mul_float(const Graph& g, int op_index) { return make_broadcast_float<MulFn>(g, op_index); }

}  // namespace tinyopt
