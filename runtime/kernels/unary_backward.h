// runtime/kernels/unary_backward.h: the shared part of the elementwise activation backward kernels (RELU,
// RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH, and the copy of RESHAPE/SQUEEZE): a kernel that maps
// (x, y, dy) to dx element by element. Each op's file supplies only its derivative.
#pragma once

#include <memory>
#include <utility>

#include "runtime/backward_kernel.h"

namespace tinyopt {

// Rule: a callable float(float x, float y, float dy) giving dL/dx.
template <class Rule>
class UnaryBackward final : public BackwardKernel {
 public:
  UnaryBackward(int64_t n, Rule r) : count(n), rule(std::move(r)) {}
  int64_t count = 0;
  Rule rule;

  void eval(const BackwardBuffers& io) const override {
    float* dx = grad_or_null(io, 0);
    if (!dx) return;
    const float* x = io.inputs[0];
    const float* y = io.outputs[0];
    const float* dy = io.output_grads[0];
    for (int64_t i = 0; i < count; ++i) dx[i] += rule(x[i], y[i], dy[i]);
  }
};

template <class Rule>
Expected<std::unique_ptr<BackwardKernel>> make_unary_backward(const Graph& g, int op_index, Rule rule) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const int64_t n = g.tensor(op.inputs[0]).num_elements();
  if (n != g.tensor(op.outputs[0]).num_elements())
    return fail(Errc::BadInput, g.where(op_index), "input and output element counts differ");
  return std::unique_ptr<BackwardKernel>(std::make_unique<UnaryBackward<Rule>>(n, std::move(rule)));
}

}  // namespace tinyopt
