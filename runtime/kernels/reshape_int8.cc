// runtime/kernels/reshape_int8.cc: RESHAPE and SQUEEZE on integer tensors: the bytes are unchanged (row-major
// order is kept and the output shares the input's scale and zero point), so eval is a copy.
#include <cstring>

#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(size_t bytes) : bytes_(bytes) {}
  void eval(const OpBuffers& io) const override {
    if (io.outputs[0] != io.inputs[0]) std::memmove(io.outputs[0], io.inputs[0], bytes_);
  }

 private:
  size_t bytes_;
};

}  // namespace

KernelResult make_reshape_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if (in->dtype != out->dtype || (in->dtype != DType::Int8 && in->dtype != DType::Int16))
    return unsupported_dtypes(g, op_index, "no integer RESHAPE/SQUEEZE kernel for");
  if (in->num_elements() != out->num_elements())
    return bad_op(g, op_index, out, fmt::format("output has {} elements, input {}", out->num_elements(), in->num_elements()));
  return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>(in->byte_size()));
}

}  // namespace tinyopt
