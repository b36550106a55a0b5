// runtime/kernels/pad_backward.cc: gradient of float PAD: the input sits inside the output at offset
// paddings[d][0] along each dimension d, so dx is that window of dy (the padded border has no source).
#include <array>

#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

constexpr int kMaxRank = 6;

class PadBackward final : public BackwardKernel {
 public:
  std::array<int64_t, kMaxRank> in_dims{}, out_stride{};
  int64_t count = 0, base = 0;  // base: output offset of input element 0

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    const float* dy = io.output_grads[0];
    std::array<int64_t, kMaxRank> idx{};
    int64_t o = base;
    for (int64_t i = 0; i < count; ++i) {
      dx[i] += dy[o];
      for (int d = kMaxRank - 1; d >= 0; --d) {
        o += out_stride[d];
        if (++idx[d] < in_dims[d]) break;
        o -= out_stride[d] * in_dims[d];
        idx[d] = 0;
      }
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_pad_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  const Tensor& pads = g.tensor(op.inputs[1]);
  const int rank = static_cast<int>(x.size());
  if (rank > kMaxRank || y.size() != x.size() || !pads.is_constant || pads.dtype != DType::Int32 ||
      pads.num_elements() != 2 * rank)
    return fail(Errc::Unsupported, g.where(op_index), "PAD backward needs rank <= {} and constant int32 paddings",
                kMaxRank);
  auto p = pads.values<int32_t>();
  auto k = std::make_unique<PadBackward>();
  k->in_dims.fill(1);
  int64_t stride = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    const int src = d - (kMaxRank - rank);
    if (src < 0) {
      k->out_stride[static_cast<size_t>(d)] = 0;
      continue;
    }
    const auto s = static_cast<size_t>(src);
    k->in_dims[static_cast<size_t>(d)] = x[s];
    k->out_stride[static_cast<size_t>(d)] = stride;
    k->base += int64_t{p[2 * s]} * stride;
    stride *= y[s];
  }
  k->count = num_elements(x);
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
