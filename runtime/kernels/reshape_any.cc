// runtime/kernels/reshape_any.cc: RESHAPE and SQUEEZE: the elements keep their row-major order, so eval is one
// copy of the input bytes to the output (any dtype; quantization parameters are unchanged by the spec).
#include <cstring>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

class CopyBytes final : public Kernel {
 public:
  size_t bytes = 0;
  void eval(const OpBuffers& io) const override {
    if (bytes != 0 && io.outputs[0] != io.inputs[0]) std::memmove(io.outputs[0], io.inputs[0], bytes);
  }
};

}  // namespace

KernelResult make_reshape_any(const Graph& g, int op_index) {
  auto k = std::make_unique<CopyBytes>();
  k->bytes = g.tensor(g.ops[static_cast<size_t>(op_index)].outputs[0]).byte_size();
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
