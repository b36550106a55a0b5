// runtime/kernels/float_weights.h: constant weights of a float op. Float32 weights are read in place at eval
// (from the op's input pointer), so updated weight values in the Graph are seen without re-preparing. Int8
// weights with a scale ("hybrid" float models) are dequantized once at prepare: w = scale[c] * (q - zero_point[c]).
#pragma once

#include <vector>

#include "ir/graph.h"

namespace tinyopt {

struct FloatWeights {
  std::vector<float> dequantized;  // empty when the weights are float32 (read in place)

  const float* get(const uint8_t* in_place) const {
    return dequantized.empty() ? reinterpret_cast<const float*>(in_place) : dequantized.data();
  }
};

// Prepares input `input_index` of op `op_index` as float weights; errors name the op and tensor.
Expected<FloatWeights> prepare_float_weights(const Graph& g, int op_index, size_t input_index);

}  // namespace tinyopt
