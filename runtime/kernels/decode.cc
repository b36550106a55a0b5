// runtime/kernels/decode.cc: TFLM_DECODE, TFLite Micro's decode operator (kernels/decode.cc): writes the decoded
// tensor from an encoded constant and its ancillary constant, LUT or prune (layouts in ir/tflm_decode.h). As in
// TFLM, prepare reads the header and the decoded tensor's quantization once; eval decodes on every invoke into
// the arena. Unlike TFLM, prepare first checks every size and index (check_decode), so eval never reads outside
// its inputs.
#include "ir/tflm_decode.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {
namespace {

class DecodeKernel final : public Kernel {
 public:
  DecodeKernel(DecodePlan plan, size_t encoded_bytes, size_t ancillary_bytes, size_t out_bytes)
      : plan_(std::move(plan)), encoded_bytes_(encoded_bytes), ancillary_bytes_(ancillary_bytes), out_bytes_(out_bytes) {}
  void eval(const OpBuffers& io) const override {
    run_decode(plan_, {io.inputs[0], encoded_bytes_}, {io.inputs[1], ancillary_bytes_}, {io.outputs[0], out_bytes_});
  }

 private:
  DecodePlan plan_;
  size_t encoded_bytes_, ancillary_bytes_, out_bytes_;
};

}  // namespace

KernelResult make_decode(const Graph& g, int op_index) {
  const Tensor* encoded = op_input(g, op_index, 0);
  const Tensor* ancillary = op_input(g, op_index, 1);
  const Tensor* out = op_output(g, op_index, 0);
  if (!encoded || !ancillary || !out) return bad_op(g, op_index, nullptr, "TFLM_DECODE needs two inputs and an output");
  if (!encoded->is_constant || !ancillary->is_constant)
    return bad_op(g, op_index, encoded, "TFLM_DECODE inputs must be constant");
  Location where = g.where(op_index);
  where.tensor = out->name;
  auto plan = plan_decode(encoded->data, ancillary->data, *out, where);
  if (!plan) return plan.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<DecodeKernel>(std::move(*plan), encoded->data.size(), ancillary->data.size(), out->byte_size()));
}

}  // namespace tinyopt
