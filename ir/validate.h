// ir/validate.h: the per-op verifier that Graph::validate (defined in validate.cc) runs for every op.
#pragma once

#include "ir/graph.h"

namespace tinyopt {

// Checks op `op_index`: arity (ir/op_traits.h), the input/output dtypes allowed for its kind, and that the stored
// output shapes equal the inferred ones (ir/shape_inference.h). Errors name the op and the tensor.
Expected<void> check_op_shapes(const Graph& g, int op_index);

}  // namespace tinyopt
