// runtime/kernels/fully_connected_backward.cc: gradients of float FULLY_CONNECTED (fused activation) with respect
// to its input, weights and bias.
//
// Forward: the input is viewed as X[rows, K] (all leading dimensions flattened), weights W[U, K]:
//   Z = X * W^T + b,  Y = act(Z).   Backward: dZ = dY * act'(Y);  dX += dZ * W;  dW += dZ^T * X;  db += sum_rows dZ.
#include <Eigen/Core>

#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class FullyConnectedBackward final : public BackwardKernel {
 public:
  int64_t rows = 0, depth = 0, units = 0;
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(rows * units); }

  void eval(const BackwardBuffers& io) const override {
    const size_t count = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], count}, {io.output_grads[0], count}, {dz, count});
    Eigen::Map<const RowMatrix> dz_mat(dz, rows, units);
    if (float* db = grad_or_null(io, 2)) Eigen::Map<Eigen::RowVectorXf>(db, units) += dz_mat.colwise().sum();
    if (float* dw = grad_or_null(io, 1))
      Eigen::Map<RowMatrix>(dw, units, depth).noalias() +=
          dz_mat.transpose() * Eigen::Map<const RowMatrix>(io.inputs[0], rows, depth);
    if (float* dx = grad_or_null(io, 0))
      Eigen::Map<RowMatrix>(dx, rows, depth).noalias() += dz_mat * Eigen::Map<const RowMatrix>(io.inputs[1], units, depth);
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
