// ir/batching.cc: batch-N copies of a batch-1 graph, and the shape re-inference they run.
#include "ir/batching.h"

#include <string>

#include "ir/shape_inference.h"

namespace tinyopt {
namespace {

// A RESHAPE whose target hard-codes the old batch was resolved leniently to `shape`: write `shape` into its
// new_shape option and its constant shape input (a copy of the constant when other ops read it too), so that the
// graph validates and a written model is consistent.
// The same for TRANSPOSE_CONV, whose output shape is its constant input 0.
void sync_reshape_target(Graph& g, int op_index, const Shape& shape) {
  Op& op = g.ops[static_cast<size_t>(op_index)];
  if (auto* o = std::get_if<ReshapeOptions>(&op.options); o && !o->new_shape.empty()) o->new_shape = shape;
  const size_t shape_input = op.kind == OpKind::TransposeConv ? 0 : 1;
  const TensorId id = op.input(shape_input);
  if (id == kNoTensor || !g.tensor(id).is_constant) return;
  Tensor t = g.tensor(id);
  if (t.dtype == DType::Int64) t.set_values<int64_t>(std::vector<int64_t>(shape.begin(), shape.end()));
  else t.set_values<int32_t>(shape);
  t.shape = {static_cast<int32_t>(shape.size())};
  if (g.consumers(id).size() == 1) {
    g.tensor(id) = std::move(t);
  } else {
    t.name += "/batch_" + std::to_string(shape.empty() ? 0 : shape[0]);
    op.inputs[shape_input] = g.add_tensor(std::move(t));
  }
}

}  // namespace

Expected<void> infer_shapes(Graph& g) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    auto shapes = infer_output_shapes(g, static_cast<int>(i), ReshapeTargets::LenientBatch);
    if (!shapes) return shapes.take_error();
    if ((g.ops[i].kind == OpKind::Reshape || g.ops[i].kind == OpKind::TransposeConv) &&
        !infer_output_shapes(g, static_cast<int>(i)))
      sync_reshape_target(g, static_cast<int>(i), (*shapes)[0]);
    Tensor& out = g.tensor(g.ops[i].outputs[0]);
    if (out.is_constant || g.is_graph_input(g.ops[i].outputs[0])) {
      Location loc = g.where(static_cast<int>(i));
      loc.tensor = out.name;
      return fail(Errc::BadInput, std::move(loc), "op output is a constant or a graph input");
    }
    out.shape = std::move((*shapes)[0]);
  }
  return {};
}


Expected<Graph> with_batch_size(const Graph& g, int32_t batch) {
  if (batch <= 0) return fail(Errc::BadInput, {.file = g.source}, "batch size {} must be positive", batch);
  Graph b = g;
  for (TensorId id : b.inputs) {
    Tensor& t = b.tensor(id);
    if (t.shape.empty() || t.shape[0] != 1)
      return fail(Errc::Unsupported, {.file = g.source, .tensor = t.name},
                  "input shape {} has no batch dimension of 1 to grow", shape_to_string(t.shape));
    t.shape[0] = batch;
  }
  // State tensors (SVDF, LSTM) hold one row per batch element.
  for (Tensor& t : b.tensors)
    if (t.is_variable && !t.is_constant && !t.shape.empty() && t.shape[0] == 1) t.shape[0] = batch;
  for (Op& op : b.ops) {
    if (op.kind != OpKind::Squeeze) continue;
    SqueezeOptions o = std::holds_alternative<SqueezeOptions>(op.options) ? op.opts<SqueezeOptions>() : SqueezeOptions{};
    if (!o.squeeze_dims.empty()) continue;
    const Shape& in = g.tensor(op.inputs.at(0)).shape;
    for (size_t d = 1; d < in.size(); ++d)
      if (in[d] == 1) o.squeeze_dims.push_back(static_cast<int32_t>(d));
    op.options = o;
  }
  if (auto r = infer_shapes(b); !r) return r.take_error();
  return b;
}

}  // namespace tinyopt
