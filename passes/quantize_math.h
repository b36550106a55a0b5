// passes/quantize_math.h: the arithmetic of the TFLite int8 quantization spec the quantize pass applies
// (../shared/DESIGN.md, "int8 format facts"):
//   activations  int8 asymmetric per-tensor, the float range widened to include 0 and the zero point an exact
//                integer (the range is nudged); int16 ("16x8") symmetric with zero point 0;
//   weights      int8 symmetric, zero point 0, values in [-127, 127], per output channel or per tensor;
//   bias         int32 (int64 for 16x8 conv/FC), zero point 0, scale = input_scale * weight_scale[c].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calibration/range_search.h"
#include "ir/graph.h"

namespace tinyopt {

// Parameters of an activation with float range `r` (which need not include 0) stored as `type` (Int8: asymmetric,
// Int16: symmetric). A zero-width range [0, 0] gets the documented fallback range [0, 1] and sets `*fallback`.
QuantParams activation_params(Range r, DType type, bool* fallback = nullptr);

// The fixed output parameters the spec imposes on SOFTMAX, LOGISTIC and TANH (nullopt for other ops).
std::optional<QuantParams> fixed_output_params(OpKind kind, DType type);

// Symmetric int8 weights: one scale per slice along `axis`, or one for the tensor when `axis` < 0.
struct QuantizedWeights {
  std::vector<int8_t> values;
  QuantParams params;
  int zero_channels = 0;  // channels whose weights were all zero (their scale is a stated fallback)
};
QuantizedWeights quantize_weights(std::span<const float> w, const Shape& shape, int axis);

// Real value of int8 weight element i (for error measurement and bias correction).
float dequantized_weight(const QuantizedWeights& q, const Shape& shape, int axis, size_t i);

// Affine int8/int16 quantization of a constant that is not a weight (an ADD operand, ...): per-tensor params
// from its own min/max, then the values.
std::vector<uint8_t> quantize_constant(std::span<const float> v, const QuantParams& p, DType type);

// round(x / scale) + zero_point clamped to the type's range.
int32_t quantize_value(float x, float scale, int64_t zero_point, DType type);

}  // namespace tinyopt
