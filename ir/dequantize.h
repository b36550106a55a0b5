// ir/dequantize.h: constant tensors back to float32, and the "hybrid" float models whose weights are stored
// quantized. The TFLite reader (formats/tflite/reader.cc), the dequantize-hybrid-weights pass and the float
// kernels' weight preparation (runtime/kernels/float_weights.cc) all go through here.
#pragma once

#include <optional>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

// The float32 value of constant `t`: real = scale[c] * (q - zero_point[c]) for int8, uint8 and int16 with
// quantization parameters (c: the index along the quantized axis when per-channel, else 0); float16 widened
// exactly. nullopt for any other dtype, or an integer tensor without quantization parameters.
std::optional<std::vector<float>> dequantized_values(const Tensor& t);

// Hybrid float models (the TFLite converter's dynamic-range quantization) store some constant weights as int8
// with a scale while every activation is float. Each constant int8/uint8/int16 input with quantization
// parameters of an op computing in float (float32 output) becomes float32 without quantization. QUANTIZE and
// DEQUANTIZE are left alone: they convert their input at run time. Returns how many tensors were dequantized.
int dequantize_hybrid_weights(Graph& g);

}  // namespace tinyopt
