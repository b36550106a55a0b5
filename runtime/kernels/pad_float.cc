// runtime/kernels/pad_float.cc: float PAD with constant paddings [rank, 2] (before, after) and the value 0.
// eval zero-fills the output, then copies each innermost input row to its padded position.
#include <cstring>
#include <vector>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

class PadFloat final : public Kernel {
 public:
  Shape in_shape;
  std::vector<int64_t> out_stride;  // element strides of the output
  int64_t base = 0;                 // output offset of input element 0 (sum of before * stride)
  int64_t in_count = 0, out_count = 0;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    std::fill(y, y + out_count, 0.0f);
    const size_t rank = in_shape.size();
    if (rank == 0 || in_count == 0) { if (rank == 0 && in_count) y[0] = x[0]; return; }
    const int64_t inner = in_shape[rank - 1];
    std::vector<int32_t> index(rank, 0);
    int64_t o = base;
    for (int64_t done = 0; done < in_count; done += inner) {
      std::memcpy(y + o, x + done, static_cast<size_t>(inner) * sizeof(float));
      for (size_t d = rank - 1; d-- > 0;) {
        o += out_stride[d];
        if (++index[d] < in_shape[d]) break;
        o -= out_stride[d] * in_shape[d];
        index[d] = 0;
      }
    }
  }
};

}  // namespace

KernelResult make_pad_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& paddings = g.tensor(op.inputs.at(1));
  const Shape& out = g.tensor(op.outputs[0]).shape;
  auto k = std::make_unique<PadFloat>();
  k->in_shape = g.tensor(op.inputs[0]).shape;
  const size_t rank = k->in_shape.size();
  k->out_stride.assign(rank, 1);
  for (size_t d = rank; d-- > 1;) k->out_stride[d - 1] = k->out_stride[d] * out[d];
  // Shape inference has checked the paddings: constant, [rank, 2], non-negative.
  for (size_t d = 0; d < rank; ++d) {
    const int64_t before = paddings.dtype == DType::Int64 ? paddings.values<int64_t>()[2 * d]
                                                          : paddings.values<int32_t>()[2 * d];
    k->base += before * k->out_stride[d];
  }
  k->in_count = num_elements(k->in_shape);
  k->out_count = num_elements(out);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
