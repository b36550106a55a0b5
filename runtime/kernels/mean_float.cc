// runtime/kernels/mean_float.cc: float MEAN over any set of constant axes (keep_dims only changes the shape).
//
// prepare: the element stride of each input dimension in the output (0 on reduced axes) and the count of reduced
// elements. eval: zero the output, walk the input once in memory order adding each element to its output slot
// (a tight inner loop over the last dimension), then divide by the count.
#include <vector>

#include "ir/shape_inference.h"
#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

class MeanFloat final : public Kernel {
 public:
  Shape in_shape;
  std::vector<int64_t> out_stride;  // per input dimension
  int64_t in_count = 0, out_count = 0, reduced = 1;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    std::fill(y, y + out_count, 0.0f);
    const size_t rank = in_shape.size();
    if (rank == 0) { if (in_count) y[0] = x[0]; return; }
    const int64_t inner = in_shape[rank - 1], s_inner = out_stride[rank - 1];
    std::vector<int32_t> index(rank, 0);
    int64_t o = 0;
    for (int64_t done = 0; done < in_count; done += inner) {
      if (s_inner == 0) {
        float sum = 0.0f;
        for (int64_t i = 0; i < inner; ++i) sum += x[done + i];
        y[o] += sum;
      } else {
        for (int64_t i = 0; i < inner; ++i) y[o + i] += x[done + i];
      }
      for (size_t d = rank - 1; d-- > 0;) {
        o += out_stride[d];
        if (++index[d] < in_shape[d]) break;
        o -= out_stride[d] * in_shape[d];
        index[d] = 0;
      }
    }
    const float n = static_cast<float>(reduced);
    for (int64_t i = 0; i < out_count; ++i) y[i] /= n;
  }
};

}  // namespace

KernelResult make_mean_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& axes = g.tensor(op.inputs.at(1));
  auto k = std::make_unique<MeanFloat>();
  k->in_shape = g.tensor(op.inputs[0]).shape;
  const size_t rank = k->in_shape.size();
  std::vector<bool> is_reduced(rank, false);
  // Shape inference has already checked the axes (constant, int32/int64, in range).
  auto mark = [&](int64_t a) { is_reduced[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(rank) : a)] = true; };
  if (axes.dtype == DType::Int64) for (int64_t a : axes.values<int64_t>()) mark(a);
  else for (int32_t a : axes.values<int32_t>()) mark(a);
  k->out_stride.assign(rank, 0);
  int64_t s = 1;
  for (size_t d = rank; d-- > 0;) {
    if (is_reduced[d]) { k->reduced *= k->in_shape[d]; continue; }
    k->out_stride[d] = s;
    s *= k->in_shape[d];
  }
  k->in_count = num_elements(k->in_shape);
  k->out_count = g.tensor(op.outputs[0]).num_elements();
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
