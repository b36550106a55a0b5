// runtime/kernels/sub_float.cc: float SUB with NumPy broadcasting and a fused activation: y = act(a - b).
#include "runtime/kernels/broadcast_float.h"

namespace tinyopt {
namespace {
struct SubFn {
  float operator()(float a, float b) const { return a - b; }
};
}  // namespace

KernelResult make_sub_float(const Graph& g, int op_index) { return make_broadcast_float<SubFn>(g, op_index); }

}  // namespace tinyopt
