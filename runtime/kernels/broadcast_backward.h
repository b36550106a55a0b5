// runtime/kernels/broadcast_backward.h: the shared part of the ADD, SUB and MUL backward kernels: walking an
// output and its two (numpy-style, right-aligned) broadcast inputs together, and the prepare step those three
// kernels have in common. Each kernel file (add_backward.cc, ...) supplies only its own derivative.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "runtime/backward_kernel.h"

namespace tinyopt {

inline constexpr int kMaxBroadcastRank = 6;

// Output shape and each input's strides in output coordinates (0 along broadcast dimensions), right-aligned and
// padded to kMaxBroadcastRank dimensions.
struct BroadcastGeometry {
  std::array<int64_t, kMaxBroadcastRank> dims{}, a_stride{}, b_stride{};
  int64_t count = 0, a_count = 0, b_count = 0;
  bool same_shape = false;  // a, b and the output have equal element counts: offsets are all i

  // Calls fn(out_index, a_index, b_index) for every output element in row-major order.
  template <class Fn> void for_each(Fn&& fn) const {
    if (same_shape) {
      for (int64_t i = 0; i < count; ++i) fn(i, i, i);
      return;
    }
    std::array<int64_t, kMaxBroadcastRank> idx{};
    int64_t ai = 0, bi = 0;
    for (int64_t i = 0; i < count; ++i) {
      fn(i, ai, bi);
      for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {  // odometer increment
        ai += a_stride[d], bi += b_stride[d];
        if (++idx[d] < dims[d]) break;
        ai -= a_stride[d] * dims[d], bi -= b_stride[d] * dims[d];
        idx[d] = 0;
      }
    }
  }
};

// Prepares the geometry of a binary elementwise op; errors name the op when a shape does not broadcast.
Expected<BroadcastGeometry> broadcast_geometry(const Graph& g, int op_index);

// The backward kernel shared by ADD, SUB and MUL: dZ = dY * act'(Y), then `Rule` distributes dZ to the inputs.
// Rule::apply(geometry, a, b, dz, da, db) adds into da/db (either may be null).
template <class Rule>
class BinaryBackward final : public BackwardKernel {
 public:
  BroadcastGeometry geo;
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(geo.count); }
  void eval(const BackwardBuffers& io) const override {
    const size_t n = static_cast<size_t>(geo.count);
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], n}, {io.output_grads[0], n}, {dz, n});
    Rule::apply(geo, io.inputs[0], io.inputs[1], dz, grad_or_null(io, 0), grad_or_null(io, 1));
  }
};

template <class Rule>
Expected<std::unique_ptr<BackwardKernel>> make_binary_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  Activation act = Activation::None;
  if (const auto* o = std::get_if<ElementwiseOptions>(&op.options)) act = o->activation;
  if (auto r = check_fused_activation_grad(g, op_index, act); !r) return r.take_error();
  auto geo = broadcast_geometry(g, op_index);
  if (!geo) return geo.take_error();
  auto k = std::make_unique<BinaryBackward<Rule>>();
  k->geo = *geo;
  k->act = act;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
