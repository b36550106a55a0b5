// runtime/kernels/float_activation.h: fused activations of float ops as a clamp range (TFLite's
// CalculateActivationRange for float: RELU [0, inf), RELU_N1_TO_1 [-1, 1], RELU6 [0, 6]).
#pragma once

#include <algorithm>
#include <limits>

#include "ir/graph.h"
#include "runtime/gemm_float.h"

namespace tinyopt {

inline Expected<FloatClamp> fused_clamp(const Graph& g, int op_index, Activation a) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (a) {
    case Activation::None: return FloatClamp{-inf, inf};
    case Activation::Relu: return FloatClamp{0.0f, inf};
    case Activation::ReluN1To1: return FloatClamp{-1.0f, 1.0f};
    case Activation::Relu6: return FloatClamp{0.0f, 6.0f};
    case Activation::Tanh: case Activation::SignBit: break;
  }
  return fail(Errc::Unsupported, g.where(op_index), "fused activation {} is not supported", activation_name(a));
}

inline float apply_clamp(float x, FloatClamp c) { return std::min(std::max(x, c.lo), c.hi); }

}  // namespace tinyopt
