// runtime/kernels/concatenation_backward.cc: gradient of float CONCATENATION (fused activation): with the
// tensors viewed as [outer, axis * inner], input i owns a contiguous column block of each outer row of dZ.
#include <cstring>
#include <vector>

#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

class ConcatenationBackward final : public BackwardKernel {
 public:
  int64_t outer = 0, out_row = 0;
  std::vector<int64_t> in_row;  // axis extent * inner, per input
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(outer * out_row); }
  void eval(const BackwardBuffers& io) const override {
    const size_t n = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], n}, {io.output_grads[0], n}, {dz, n});
    int64_t col = 0;
    for (size_t i = 0; i < in_row.size(); ++i) {
      if (float* dx = grad_or_null(io, i))
        for (int64_t r = 0; r < outer; ++r)
          for (int64_t j = 0; j < in_row[i]; ++j) dx[r * in_row[i] + j] += dz[r * out_row + col + j];
      col += in_row[i];
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_concatenation_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const auto& o = op.opts<ConcatenationOptions>();
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  const Shape& y = g.tensor(op.outputs[0]).shape;
  const int rank = static_cast<int>(y.size());
  const int axis = o.axis < 0 ? o.axis + rank : o.axis;
  if (axis < 0 || axis >= rank) return fail(Errc::BadInput, g.where(op_index), "axis {} out of range", o.axis);
  auto k = std::make_unique<ConcatenationBackward>();
  int64_t inner = 1;
  for (int d = axis + 1; d < rank; ++d) inner *= y[static_cast<size_t>(d)];
  k->outer = 1;
  for (int d = 0; d < axis; ++d) k->outer *= y[static_cast<size_t>(d)];
  k->out_row = int64_t{y[static_cast<size_t>(axis)]} * inner;
  for (TensorId id : op.inputs) k->in_row.push_back(int64_t{g.tensor(id).shape.at(static_cast<size_t>(axis))} * inner);
  k->act = o.activation;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
