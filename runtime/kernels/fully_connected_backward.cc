// runtime/kernels/fully_connected_backward.cc: gradients of float FULLY_CONNECTED (fused activation) with respect
// to its input, weights and bias.
//
// Forward: the input is viewed as X[rows, K] (all leading dimensions flattened), weights W[U, K]:
//   Z = X * W^T + b,  Y = act(Z).   Backward: dZ = dY * act'(Y);  dX += dZ * W;  dW += dZ^T * X;  db += sum_rows dZ.
// The two products go through gemm_float (runtime/gemm_float.h): one summation order on every ISA, the existing
// gradient as the starting value; db adds the rows of dZ in row order.
#include <limits>

#include "runtime/backward_kernel.h"
#include "runtime/gemm_float.h"

namespace tinyopt {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

class FullyConnectedBackward final : public BackwardKernel {
 public:
  int64_t rows = 0, depth = 0, units = 0;
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(rows * units); }

  void eval(const BackwardBuffers& io) const override {
    const size_t count = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], count}, {io.output_grads[0], count}, {dz, count});
    if (float* db = grad_or_null(io, 2))
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t u = 0; u < units; ++u) db[u] += dz[r * units + u];
    // dW [units, depth] += dZ^T [units, rows] * X [rows, depth]
    if (float* dw = grad_or_null(io, 1))
      gemm_float({dz, 1, units}, {io.inputs[0], depth, 1}, units, rows, depth, dw, depth, true, nullptr, {-kInf, kInf});
    // dX [rows, depth] += dZ [rows, units] * W [units, depth]
    if (float* dx = grad_or_null(io, 0))
      gemm_float({dz, units, 1}, {io.inputs[1], depth, 1}, rows, units, depth, dx, depth, true, nullptr, {-kInf, kInf});
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_fully_connected_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const auto& o = op.opts<FullyConnectedOptions>();
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  const Shape& w = g.tensor(op.inputs[1]).shape;
  if (w.size() != 2 || w[1] <= 0)
    return fail(Errc::BadInput, g.where(op_index), "FULLY_CONNECTED backward needs [units, depth] weights");
  auto k = std::make_unique<FullyConnectedBackward>();
  k->units = w[0], k->depth = w[1];
  k->rows = g.tensor(op.inputs[0]).num_elements() / k->depth;
  k->act = o.activation;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
