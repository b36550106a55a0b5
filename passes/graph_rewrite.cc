// passes/graph_rewrite.cc: the shared graph edits of graph_rewrite.h.
#include "passes/graph_rewrite.h"

#include <algorithm>

#include <fmt/format.h>

namespace tinyopt {

void replace_uses(Graph& g, TensorId from, TensorId to) {
  for (Op& op : g.ops)
    for (TensorId& in : op.inputs) if (in == from) in = to;
  for (TensorId& o : g.outputs) if (o == from) o = to;
}

void erase_ops(Graph& g, const std::set<int>& indices) {
  std::vector<Op> kept;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (!indices.count(static_cast<int>(i))) kept.push_back(std::move(g.ops[i]));
  g.ops = std::move(kept);
}

int drop_unreferenced_tensors(Graph& g) {
  std::vector<bool> used(g.tensors.size(), false);
  auto mark = [&](TensorId id) { if (id >= 0 && static_cast<size_t>(id) < used.size()) used[static_cast<size_t>(id)] = true; };
  for (const Op& op : g.ops) {
    for (TensorId t : op.inputs) mark(t);
    for (TensorId t : op.outputs) mark(t);
    for (TensorId t : op.intermediates) mark(t);
  }
  for (TensorId t : g.inputs) mark(t);
  for (TensorId t : g.outputs) mark(t);
  std::vector<TensorId> remap(g.tensors.size(), kNoTensor);
  std::vector<Tensor> kept;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (used[i]) { remap[i] = static_cast<TensorId>(kept.size()); kept.push_back(std::move(g.tensors[i])); }
  int dropped = static_cast<int>(g.tensors.size() - kept.size());
  g.tensors = std::move(kept);
  auto fix = [&](TensorId& t) { if (t >= 0) t = remap[static_cast<size_t>(t)]; };
  for (Op& op : g.ops) {
    for (TensorId& t : op.inputs) fix(t);
    for (TensorId& t : op.outputs) fix(t);
    for (TensorId& t : op.intermediates) fix(t);
  }
  for (TensorId& t : g.inputs) fix(t);
  for (TensorId& t : g.outputs) fix(t);
  return dropped;
}

std::optional<int> single_consumer(const Graph& g, TensorId t) {
  if (g.is_graph_output(t)) return std::nullopt;
  std::vector<int> c = g.consumers(t);
  if (c.size() != 1) return std::nullopt;
  return c[0];
}

std::optional<std::vector<float>> constant_floats(const Graph& g, TensorId id) {
  if (id == kNoTensor) return std::nullopt;
  const Tensor& t = g.tensor(id);
  if (!t.is_constant || t.dtype != DType::Float32) return std::nullopt;
  auto v = t.values<float>();
  return std::vector<float>(v.begin(), v.end());
}

TensorId own_constant_input(Graph& g, int op_index, size_t slot) {
  TensorId id = g.ops[static_cast<size_t>(op_index)].inputs[slot];
  int readers = 0;
  for (const Op& op : g.ops)
    for (TensorId in : op.inputs) if (in == id) ++readers;
  if (readers <= 1 && !g.is_graph_output(id)) return id;
  Tensor copy = g.tensor(id);
  copy.name += fmt::format("_{}", op_index);
  TensorId nid = g.add_tensor(std::move(copy));
  g.ops[static_cast<size_t>(op_index)].inputs[slot] = nid;
  return nid;
}

void scale_output_channels(Tensor& w, int axis, const std::vector<float>& scale) {
  auto v = w.mutable_values<float>();
  int64_t channels = w.shape[static_cast<size_t>(axis)];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    v[i] *= scale[static_cast<size_t>(c)];
  }
}

TensorId ensure_float_bias(Graph& g, int op_index) {
  Op& op = g.ops[static_cast<size_t>(op_index)];
  if (op.inputs.size() > 2 && op.inputs[2] != kNoTensor) return own_constant_input(g, op_index, 2);
  const Tensor& w = g.tensor(op.inputs[1]);
  int32_t channels = w.shape[static_cast<size_t>(weight_channel_axis(op.kind))];
  Tensor b;
  b.name = w.name + "_bias";
  b.shape = {channels};
  std::vector<float> zeros(static_cast<size_t>(channels), 0.0f);
  b.set_values<float>(zeros);
  TensorId id = g.add_tensor(std::move(b));
  Op& op2 = g.ops[static_cast<size_t>(op_index)];
  if (op2.inputs.size() < 3) op2.inputs.resize(3, kNoTensor);
  op2.inputs[2] = id;
  return id;
}

}  // namespace tinyopt
