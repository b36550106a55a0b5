// passes/quantize_edges.h: the last steps of the quantize pass that add ops: QUANTIZE converters between ops of
// different precision (mixed int8 / 16x8), and the float model edges of `float-io`.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace tinyopt {

// Gives every op whose precision (`op_type[i]`) differs from its input activation's a QUANTIZE in front that
// converts it; returns how many were inserted.
int insert_precision_converters(Graph& g, const std::vector<DType>& op_type);

// QUANTIZE after each model input and DEQUANTIZE before each output, so the model takes and gives float32; the
// float tensors keep the original names, the quantized ones get "_int8".
void add_float_edges(Graph& g);

}  // namespace tinyopt
