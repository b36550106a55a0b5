// ir/shape_inference.h: output shapes and dtype rules of every supported op, from its inputs and options.
#pragma once

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

}  // namespace tinyopt
