// runtime/kernels/mean_backward.cc: gradient of float MEAN over constant axes (keep_dims or not): every input
// element receives dY of its reduced position divided by the number of elements averaged.
#include <array>

#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

constexpr int kMaxRank = 6;

class MeanBackward final : public BackwardKernel {
 public:
  std::array<int64_t, kMaxRank> dims{}, out_stride{};  // out_stride is 0 along reduced axes
  int64_t count = 0;
  float inv_reduced = 1.f;

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    const float* dy = io.output_grads[0];
    std::array<int64_t, kMaxRank> idx{};
    int64_t o = 0;
    for (int64_t i = 0; i < count; ++i) {
      dx[i] += dy[o] * inv_reduced;
      for (int d = kMaxRank - 1; d >= 0; --d) {
        o += out_stride[d];
        if (++idx[d] < dims[d]) break;
        o -= out_stride[d] * dims[d];
        idx[d] = 0;
      }
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_mean_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Tensor& axes_t = g.tensor(op.inputs[1]);
  if (x.size() > kMaxRank || !axes_t.is_constant || axes_t.dtype != DType::Int32)
    return fail(Errc::Unsupported, g.where(op_index), "MEAN backward needs rank <= {} and constant int32 axes",
                kMaxRank);
  std::array<bool, kMaxRank> reduced{};
  const int rank = static_cast<int>(x.size());
  for (int32_t a : axes_t.values<int32_t>()) {
    const int axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank) return fail(Errc::BadInput, g.where(op_index), "MEAN axis {} out of range", a);
    reduced[static_cast<size_t>(kMaxRank - rank + axis)] = true;
  }
  auto k = std::make_unique<MeanBackward>();
  k->dims.fill(1);
  for (int i = 0; i < rank; ++i) k->dims[static_cast<size_t>(kMaxRank - rank + i)] = x[static_cast<size_t>(i)];
  int64_t stride = 1, reduced_count = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    if (reduced[static_cast<size_t>(d)]) {
      k->out_stride[static_cast<size_t>(d)] = 0;
      reduced_count *= k->dims[static_cast<size_t>(d)];
    } else {
      k->out_stride[static_cast<size_t>(d)] = stride;
      stride *= k->dims[static_cast<size_t>(d)];
    }
  }
  k->count = num_elements(x);
  k->inv_reduced = reduced_count > 0 ? 1.f / static_cast<float>(reduced_count) : 0.f;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
