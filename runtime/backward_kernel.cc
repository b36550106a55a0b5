// runtime/backward_kernel.cc: the backward registry and the fused-activation derivative shared by the kernels.
#include "runtime/backward_kernel.h"

#include <cassert>

namespace tinyopt {

void BackwardRegistry::add(OpKind kind, BackwardFactory factory) {
  for ([[maybe_unused]] const Entry& e : entries_) assert(e.kind != kind && "backward kernel registered twice");
  entries_.push_back({kind, factory});
}

BackwardFactory BackwardRegistry::find(OpKind kind) const {
  for (const Entry& e : entries_)
    if (e.kind == kind) return e.factory;
  return nullptr;
}

const BackwardRegistry& BackwardRegistry::builtin() {
  static const BackwardRegistry registry = [] {
    BackwardRegistry r;
    register_backward_kernels(r);
    return r;
  }();
  return registry;
}

Expected<void> check_fused_activation_grad(const Graph& g, int op_index, Activation a) {
  if (a == Activation::SignBit)
    return fail(Errc::Unsupported, g.where(op_index), "fused activation SIGN_BIT has no gradient");
  return {};
}

void fused_activation_grad(Activation a, std::span<const float> y, std::span<const float> dy, std::span<float> out) {
  const size_t n = out.size();
  switch (a) {
    case Activation::None:
    case Activation::SignBit:
      for (size_t i = 0; i < n; ++i) out[i] = dy[i];
      break;
    case Activation::Relu:
      for (size_t i = 0; i < n; ++i) out[i] = y[i] > 0.f ? dy[i] : 0.f;
      break;
    case Activation::Relu6:
      for (size_t i = 0; i < n; ++i) out[i] = (y[i] > 0.f && y[i] < 6.f) ? dy[i] : 0.f;
      break;
    case Activation::ReluN1To1:
      for (size_t i = 0; i < n; ++i) out[i] = (y[i] > -1.f && y[i] < 1.f) ? dy[i] : 0.f;
      break;
    case Activation::Tanh:
      for (size_t i = 0; i < n; ++i) out[i] = dy[i] * (1.f - y[i] * y[i]);
      break;
  }
}

}  // namespace tinyopt
