// ir/shape_inference.h: output shapes of every supported op, from its inputs, options and constant inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "ir/window_geometry.h"

namespace tinyopt {

// How RESHAPE targets are matched. Strict: the model's own rule. LenientBatch: a target whose fixed part
// hard-codes the old batch ([1, X]) has its dimension 0 rescaled, for re-batching a graph (train/batching.h).
enum class ReshapeTargets : uint8_t { Strict, LenientBatch };

// Output shapes of op `op_index` computed from its input shapes, options and (for RESHAPE, PAD, MEAN,
// TRANSPOSE, STRIDED_SLICE) constant inputs, after check_op_arity. Errors name the op and the offending tensor.
Expected<std::vector<Shape>> infer_output_shapes(const Graph& g, int op_index,
                                                 ReshapeTargets targets = ReshapeTargets::Strict);

// One axis of a STRIDED_SLICE after masks, negative indices and clamping (TFLite's StartForAxis/StopForAxis):
// elements start, start + stride, ... while before `stop`; `size` of them; `shrink` drops the axis from the output.
struct SliceAxis {
  int32_t start = 0, stop = 0, stride = 1, size = 0;
  bool shrink = false;
};
// The per-axis slice of STRIDED_SLICE op `op_index` (one entry per input dimension; axes beyond the begin tensor
// are taken whole). Errors name the op and the begin/end/strides tensor.
Expected<std::vector<SliceAxis>> strided_slice_axes(const Graph& g, int op_index);

}  // namespace tinyopt
