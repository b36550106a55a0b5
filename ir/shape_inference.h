// ir/shape_inference.h: output shapes and dtype rules of every supported op, from its inputs and options.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

// Output shapes of op `op_index` computed from its input shapes, options and (for RESHAPE, PAD, MEAN,
// TRANSPOSE, STRIDED_SLICE) constant inputs. Errors name the op and the offending tensor.
Expected<std::vector<Shape>> infer_output_shapes(const Graph& g, int op_index);

// Checks op `op_index`: input count, input/output dtypes allowed for its kind, and that the stored output
// shapes equal the inferred ones. Called by Graph::validate for every op.
Expected<void> check_op_shapes(const Graph& g, int op_index);

// Recomputes the shape of every op output in execution order (after a graph input's shape changed, e.g. a batch
// dimension of 1 became N). Constants and graph inputs keep their shapes.
Expected<void> infer_shapes(Graph& g);

// --- geometry shared by shape inference and the kernels (float and int8 compute it the same way) ---------------

// Output size of a windowed op (conv, depthwise conv, pool) along one spatial dimension, as TFLite computes it:
// effective filter = (filter - 1) * dilation + 1; SAME: ceil(in / stride); VALID: ceil((in - eff + 1) / stride).
// Returns 0 when the window does not fit (VALID and eff > in).
int32_t window_output_size(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation);

// Padding before the first element (top or left) along one dimension: TFLite pads
// total = max((out - 1) * stride + eff - in, 0) and puts total / 2 before (the odd element goes after).
int32_t window_padding_before(Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation);

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
