// runtime/kernels/svdf_operands.h: the operands and sizes of an SVDF op, checked once for the float and integer
// kernels: input [batch, input_size], weights_feature [filters, input_size], weights_time [filters, memory],
// optional bias [units], activation state (a variable tensor) [batch, memory x filters], output [batch, units],
// units = filters / rank (TFLM's PrepareSvdf checks).
#pragma once

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct SvdfSizes {
  int batches = 0, input_size = 0, filters = 0, memory = 0, rank = 1, units = 0;
};

struct SvdfOperands {
  const Tensor* input = nullptr;
  const Tensor* weights_feature = nullptr;
  const Tensor* weights_time = nullptr;
  const Tensor* bias = nullptr;  // nullptr when absent
  const Tensor* state = nullptr;
  const Tensor* output = nullptr;
  Activation activation = Activation::None;
  SvdfSizes sizes;
};

// Errors name the op and the tensor: a missing or non-variable state, shapes that disagree.
Expected<SvdfOperands> svdf_operands(const Graph& g, int op_index);

}  // namespace tinyopt
