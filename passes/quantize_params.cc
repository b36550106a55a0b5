// passes/quantize_params.cc: stage 4 of the quantize pass (see quantize_params.h).
#include "passes/quantize_params.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "passes/quantize_math.h"

namespace tinyopt {
namespace {

// Tensors that must end with one set of parameters, merged as they are found.
struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) { while (parent[static_cast<size_t>(x)] != x) x = parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])]; return x; }
  void unite(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
};


}  // namespace

std::set<TensorId> float_activation_tensors(const Graph& g) {
  std::set<TensorId> s;
  for (TensorId t : g.inputs) s.insert(t);
  for (const Op& op : g.ops)
    for (TensorId t : op.outputs)
      if (!g.tensor(t).is_constant && g.tensor(t).dtype == DType::Float32) s.insert(t);
  return s;
}

Expected<ActivationParams> choose_activation_params(const Graph& g, const CalibrationStats& stats,
                                                  const std::set<TensorId>& activations,
                                                  const std::vector<DType>& tensor_type,
                                                  const std::map<std::string, Range>& learned) {
ActivationParams chosen;
  UnionFind uf(g.tensors.size());
  for (const Op& op : g.ops) {
    if (!shares_input_quant(op.kind)) continue;
    size_t n_in = op.kind == OpKind::Concatenation ? op.inputs.size() : 1;
    for (size_t k = 0; k < n_in; ++k)
      if (activations.count(op.inputs[k])) uf.unite(op.inputs[k], op.outputs[0]);
  }
  // Groups whose extremes decide the answer keep their observed range under clipping observers (percentile,
  // mse, kl): the input of a SOFTMAX (clipping the top logit flattens the winner into its rivals) and the model
  // outputs. Clipping trades rare outliers for resolution, which suits hidden activations, not a tensor whose
  // largest value is the answer.
  std::vector<bool> keep_extremes(g.tensors.size(), false);
  for (TensorId id : g.outputs) keep_extremes[static_cast<size_t>(uf.find(id))] = true;
  for (const Op& op : g.ops)
    if (op.kind == OpKind::Softmax && activations.count(op.inputs[0])) keep_extremes[static_cast<size_t>(uf.find(op.inputs[0]))] = true;
  std::vector<std::optional<Range>> group_range(g.tensors.size());
  std::vector<std::optional<QuantParams>> group_fixed(g.tensors.size());
  int unclipped = 0;
  // A group holding a learned range takes only learned ranges: the ops that share their input's parameters
  // (RESHAPE, pools, ...) pass the fake-quantized values on, so their calibrated range would only widen it.
  std::vector<bool> group_learned(g.tensors.size(), false);
  for (TensorId id : activations)
    if (learned.count(g.tensor(id).name)) group_learned[static_cast<size_t>(uf.find(id))] = true;
  for (TensorId id : activations) {
    const Tensor& t = g.tensor(id);
    if (group_learned[static_cast<size_t>(uf.find(id))] && !learned.count(t.name)) continue;
    RangeRequest req{.levels = tensor_type[static_cast<size_t>(id)] == DType::Int16 ? 65536 : 256,
                     .symmetric = tensor_type[static_cast<size_t>(id)] == DType::Int16,
                     .clip = !keep_extremes[static_cast<size_t>(uf.find(id))]};
    unclipped += !req.clip;
    const auto own = learned.find(t.name);
    std::optional<Range> r = own != learned.end() ? std::optional<Range>(own->second) : stats.range(t.name, req);
    if (!r) return fail(Errc::BadInput, {.file = g.source, .tensor = t.name}, "no calibration statistics for this tensor");
    auto& gr = group_range[static_cast<size_t>(uf.find(id))];
    gr = gr ? Range{std::min(gr->min, r->min), std::max(gr->max, r->max)} : *r;
  }
  chosen.observed_range_tensors = unclipped;
  for (const Op& op : g.ops)
    if (auto f = fixed_output_params(op.kind, tensor_type[static_cast<size_t>(op.outputs[0])]))
      group_fixed[static_cast<size_t>(uf.find(op.outputs[0]))] = f;
  std::vector<std::optional<QuantParams>> out(g.tensors.size());
  for (TensorId id : activations) {
    int root = uf.find(id);
    if (group_fixed[static_cast<size_t>(root)]) { out[static_cast<size_t>(id)] = group_fixed[static_cast<size_t>(root)]; continue; }
    bool fallback = false;
    out[static_cast<size_t>(id)] = activation_params(*group_range[static_cast<size_t>(root)], tensor_type[static_cast<size_t>(id)], &fallback);
    if (fallback)
      chosen.notes.push_back(fmt::format("tensor '{}': calibration range is zero width [0, 0]; using [0, 1] (the tensor is always zero "
                       "on the calibration data)", g.tensor(id).name));
  }
  chosen.params = std::move(out);
  return chosen;
}

}  // namespace tinyopt
