// runtime/kernels/concatenation_any.cc: CONCATENATION along one axis, any dtype. With outer = product of the
// dimensions before the axis, each input contributes, for every outer index, one contiguous block of
// dim[axis] * inner elements; eval interleaves those blocks. A fused activation (float only) clamps afterwards.
#include <cstring>
#include <vector>

#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

class ConcatenationAny final : public Kernel {
 public:
  int64_t outer = 1;
  std::vector<size_t> block_bytes;  // per input: bytes per outer index
  size_t out_block_bytes = 0;
  bool clamped = false;             // float with a fused activation
  FloatClamp clamp{};
  int64_t out_count = 0;

  void eval(const OpBuffers& io) const override {
    uint8_t* y = io.outputs[0];
    for (int64_t o = 0; o < outer; ++o) {
      size_t at = static_cast<size_t>(o) * out_block_bytes;
      for (size_t i = 0; i < block_bytes.size(); ++i) {
        if (block_bytes[i]) std::memcpy(y + at, io.inputs[i] + static_cast<size_t>(o) * block_bytes[i], block_bytes[i]);
        at += block_bytes[i];
      }
    }
    if (clamped) {
      auto* f = reinterpret_cast<float*>(y);
      for (int64_t i = 0; i < out_count; ++i) f[i] = apply_clamp(f[i], clamp);
    }
  }
};

}  // namespace

KernelResult make_concatenation_any(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const ConcatenationOptions o = std::holds_alternative<ConcatenationOptions>(op.options)
                                     ? op.opts<ConcatenationOptions>() : ConcatenationOptions{};
  const Tensor& out = g.tensor(op.outputs[0]);
  const auto rank = static_cast<int32_t>(out.shape.size());
  const auto axis = static_cast<size_t>(o.axis < 0 ? o.axis + rank : o.axis);  // range checked by shape inference
  auto k = std::make_unique<ConcatenationAny>();
  for (size_t d = 0; d < axis; ++d) k->outer *= out.shape[d];
  for (TensorId id : op.inputs) {
    const Tensor& t = g.tensor(id);
    k->block_bytes.push_back(k->outer ? t.byte_size() / static_cast<size_t>(k->outer) : 0);
  }
  k->out_block_bytes = k->outer ? out.byte_size() / static_cast<size_t>(k->outer) : 0;
  if (o.activation != Activation::None) {
    if (out.dtype != DType::Float32)
      return fail(Errc::Unsupported, g.where(op_index), "fused activation on {} CONCATENATION", dtype_name(out.dtype));
    auto clamp = fused_clamp(g, op_index, o.activation);
    if (!clamp) return clamp.take_error();
    k->clamped = true;
    k->clamp = *clamp;
    k->out_count = out.num_elements();
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
