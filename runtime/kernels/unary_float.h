// runtime/kernels/unary_float.h: the float elementwise kernel shared by the activation ops (RELU, RELU6, LOGISTIC,
// TANH, LEAKY_RELU, HARD_SWISH): y[i] = fn(x[i]) over every element, any shape. Each op file supplies fn.
#pragma once

#include <memory>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

template <class Fn>
class UnaryFloat final : public Kernel {
 public:
  explicit UnaryFloat(int64_t count, Fn fn) : count_(count), fn_(fn) {}
  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    for (int64_t i = 0; i < count_; ++i) y[i] = fn_(x[i]);
  }

 private:
  int64_t count_;
  Fn fn_;
};

template <class Fn>
KernelResult make_unary_float(const Graph& g, int op_index, Fn fn) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  return std::unique_ptr<Kernel>(std::make_unique<UnaryFloat<Fn>>(g.tensor(op.outputs[0]).num_elements(), fn));
}

}  // namespace tinyopt
