// runtime/kernels/transpose_conv_backward.cc: gradients of float TRANSPOSE_CONV (strides, SAME/VALID, fused
// activation) with respect to its input, weights and bias.
//
// The forward is a scatter (runtime/kernels/transpose_conv_geometry.h): Z[o] = sum over (i, f) landing on o of
// X[i] * W[f], + b[c(o)], Y = act(Z). So, over the same (i, f, o) triples: dZ = dY * act'(Y); dX[i] += dZ[o] * W[f];
// dW[f] += dZ[o] * X[i]; db[c] += sum of dZ over channel c. The output-shape operand (#0) has no gradient. The loop
// order is fixed, so equal inputs give bit-identical gradients.
#include "runtime/backward_kernel.h"
#include "runtime/kernels/transpose_conv_geometry.h"

namespace tinyopt {
namespace {

class TransposeConvBackward final : public BackwardKernel {
 public:
  TransposeConvGeometry p;
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(p.out_elements()); }

  void eval(const BackwardBuffers& io) const override {
    const size_t count = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], count}, {io.output_grads[0], count}, {dz, count});
    const float* x = io.inputs[2];
    const float* w = io.inputs[1];
    float* dx = grad_or_null(io, 2);
    float* dw = grad_or_null(io, 1);
    if (float* db = grad_or_null(io, 3))
      for (size_t o = 0; o < count; ++o) db[o % static_cast<size_t>(p.out_c)] += dz[o];
    if (!dx && !dw) return;
    scatter_transpose_conv(p, [&](int64_t i, int64_t f, int64_t o) {
      if (dx) dx[i] += dz[o] * w[f];
      if (dw) dw[f] += dz[o] * x[i];
    });
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_transpose_conv_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const TransposeConvOptions o = std::holds_alternative<TransposeConvOptions>(op.options)
                                     ? op.opts<TransposeConvOptions>() : TransposeConvOptions{};
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  auto geometry = prepare_transpose_conv_geometry(g, op_index);
  if (!geometry) return geometry.take_error();
  auto k = std::make_unique<TransposeConvBackward>();
  k->p = *geometry;
  k->act = o.activation;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
