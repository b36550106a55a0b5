// ir/op_context.h: one op of a graph as the per-op rules see it (shape inference, the verifier's dtype rules):
// its inputs and their shapes, and error locations at the op or at one of its tensors. Built once the op passed
// check_op_arity (ir/op_traits.h), so its input and output ids are valid.
#pragma once

#include "ir/graph.h"

namespace tinyopt {

struct OpContext {
  const Graph& g;
  int index;
  const Op& op;

  Location at(TensorId id = kNoTensor) const {
    Location loc = g.where(index);
    if (id >= 0 && static_cast<size_t>(id) < g.tensors.size()) loc.tensor = g.tensor(id).name;
    return loc;
  }
  Location at_input(size_t i) const { return at(op.input(i)); }
  const Tensor& in(size_t i) const { return g.tensor(op.inputs[i]); }
  bool has_input(size_t i) const { return op.input(i) != kNoTensor; }
  const Shape& shape(size_t i) const { return in(i).shape; }
};

}  // namespace tinyopt
