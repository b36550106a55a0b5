// runtime/kernels/svdf_operands.cc: svdf_operands (see the header).
#include "runtime/kernels/svdf_operands.h"

#include <fmt/format.h>

#include "runtime/quantized_prepare.h"

namespace tinyopt {

Expected<SvdfOperands> svdf_operands(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  SvdfOperands t;
  t.input = op_input(g, op_index, 0), t.weights_feature = op_input(g, op_index, 1);
  t.weights_time = op_input(g, op_index, 2), t.bias = op_input(g, op_index, 3);
  t.state = op_input(g, op_index, 4), t.output = op_output(g, op_index, 0);
  if (!t.input || !t.weights_feature || !t.weights_time || !t.output)
    return bad_op(g, op_index, nullptr, "SVDF needs input, weights_feature, weights_time and output tensors");
  if (!t.state) return bad_op(g, op_index, nullptr, "SVDF activation state (input #4) is missing");
  if (!t.state->is_variable) return bad_op(g, op_index, t.state, "SVDF activation state must be a variable tensor");
  const SvdfOptions o = std::holds_alternative<SvdfOptions>(op.options) ? op.opts<SvdfOptions>() : SvdfOptions{};
  t.activation = o.activation;
  for (const Tensor* x : {t.input, t.weights_feature, t.weights_time, t.state, t.output})
    if (x->shape.size() != 2) return bad_op(g, op_index, x, fmt::format("SVDF needs 2-D tensors, got {}", shape_to_string(x->shape)));
  SvdfSizes& s = t.sizes;
  s.batches = t.input->shape[0], s.input_size = t.input->shape[1];
  s.filters = t.weights_feature->shape[0], s.memory = t.weights_time->shape[1];
  s.rank = o.rank;
  if (s.rank < 1 || s.filters % s.rank != 0)
    return bad_op(g, op_index, t.weights_feature, fmt::format("rank {} does not divide {} filters", s.rank, s.filters));
  s.units = s.filters / s.rank;
  if (t.weights_feature->shape[1] != s.input_size)
    return bad_op(g, op_index, t.weights_feature, "weights_feature does not match the input size");
  if (t.weights_time->shape[0] != s.filters) return bad_op(g, op_index, t.weights_time, "weights_time does not match the filters");
  if (t.state->shape[0] != s.batches || int64_t{t.state->shape[1]} != int64_t{s.memory} * s.filters)
    return bad_op(g, op_index, t.state, "activation state is not [batch, memory x filters]");
  if (t.output->shape[0] != s.batches || t.output->shape[1] != s.units)
    return bad_op(g, op_index, t.output, "output is not [batch, units]");
  if (t.bias && t.bias->num_elements() != s.units) return bad_op(g, op_index, t.bias, "bias does not have `units` elements");
  if (s.memory < 1) return bad_op(g, op_index, t.weights_time, "memory size must be >= 1");
  return t;
}

}  // namespace tinyopt
