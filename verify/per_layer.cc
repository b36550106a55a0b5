// verify/per_layer.cc: pairing the two graphs' activations and ranking where the error grows (per_layer.h).
#include "verify/per_layer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "runtime/metrics.h"

namespace tinyopt {
namespace {

// The ops of `g` that compute something: QUANTIZE / DEQUANTIZE only convert (float-io edges, precision converters).
std::vector<int> compute_ops(const Graph& g) {
  std::vector<int> ops;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (g.ops[i].kind != OpKind::Quantize && g.ops[i].kind != OpKind::Dequantize) ops.push_back(static_cast<int>(i));
  return ops;
}

// The activations of `g`: graph inputs, then op outputs in op order.
std::vector<TensorId> activations(const Graph& g) {
  std::vector<TensorId> ids(g.inputs.begin(), g.inputs.end());
  for (const Op& op : g.ops) ids.insert(ids.end(), op.outputs.begin(), op.outputs.end());
  return ids;
}

}  // namespace

Expected<PerLayerReport> per_layer_errors(const Graph& ref, const Graph& cand, const Dataset& data, unsigned threads) {
  std::map<TensorId, TensorId> ref_of;  // candidate -> reference
  std::map<TensorId, bool> by_name;
  std::set<TensorId> ref_used;
  auto pair = [&](TensorId r, TensorId c, bool name) {
    if (ref_of.count(c) || ref_used.count(r) || ref.tensor(r).num_elements() != cand.tensor(c).num_elements()) return;
    ref_of[c] = r;
    by_name[c] = name;
    ref_used.insert(r);
  };
  // 1. by name (a name used twice in the reference is ambiguous and left to position).
  std::map<std::string, std::vector<TensorId>> ref_names;
  for (TensorId r : activations(ref)) ref_names[ref.tensor(r).name].push_back(r);
  for (TensorId c : activations(cand)) {
    auto it = ref_names.find(cand.tensor(c).name);
    if (it != ref_names.end() && it->second.size() == 1 && !cand.tensor(c).name.empty()) pair(it->second[0], c, true);
  }
  // 2. by position, when the compute ops line up kind for kind.
  const std::vector<int> ro = compute_ops(ref), co = compute_ops(cand);
  bool aligned = ro.size() == co.size();
  for (size_t i = 0; aligned && i < ro.size(); ++i)
    aligned = ref.ops[static_cast<size_t>(ro[i])].kind == cand.ops[static_cast<size_t>(co[i])].kind &&
              ref.ops[static_cast<size_t>(ro[i])].outputs.size() == cand.ops[static_cast<size_t>(co[i])].outputs.size();
  if (aligned) {
    for (size_t k = 0; k < ref.inputs.size() && k < cand.inputs.size(); ++k) pair(ref.inputs[k], cand.inputs[k], false);
    for (size_t i = 0; i < ro.size(); ++i) {
      const Op &r = ref.ops[static_cast<size_t>(ro[i])], &c = cand.ops[static_cast<size_t>(co[i])];
      for (size_t k = 0; k < r.outputs.size(); ++k) pair(r.outputs[k], c.outputs[k], false);
    }
  }

  std::vector<TensorPair> pairs;
  for (TensorId c : activations(cand))
    if (auto it = ref_of.find(c); it != ref_of.end()) pairs.push_back({it->second, c});
  Expected<std::vector<TensorComparison>> compared = compare_tensor_pairs(ref, cand, data, pairs, threads);
  if (!compared) return compared.take_error();

  PerLayerReport report;
  std::map<TensorId, size_t> row_of;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const TensorComparison& t = (*compared)[i];
    LayerError row;
    row.tensor = t.tensor;
    row.reference_tensor = ref.tensor(pairs[i].reference).name;
    row.op = t.op;
    row.op_kind = t.op < 0 ? "input" : std::string(op_kind_name(cand.ops[static_cast<size_t>(t.op)].kind));
    row.elements = cand.tensor(pairs[i].candidate).num_elements();
    row.sqnr_db = t.error.sqnr_db();
    row.mse = t.error.mse();
    row.max_abs_error = t.error.max_abs_error;
    row.by_name = by_name[pairs[i].candidate];
    (row.by_name ? report.matched_by_name : report.matched_by_position)++;
    // The growth: this op's SQNR below that of its first input that has a row (walking back through converters).
    if (t.op >= 0)
      for (TensorId in : cand.ops[static_cast<size_t>(t.op)].inputs) {
        TensorId at = in;
        while (at != kNoTensor && !row_of.count(at)) {
          std::optional<int> p = cand.producer(at);
          if (!p) break;
          const Op& producer = cand.ops[static_cast<size_t>(*p)];
          if (producer.kind != OpKind::Quantize && producer.kind != OpKind::Dequantize) break;
          at = producer.inputs.empty() ? kNoTensor : producer.inputs[0];
        }
        if (auto r = row_of.find(at); r != row_of.end()) {
          row.sqnr_drop_db = report.rows[r->second].sqnr_db - row.sqnr_db;
          break;
        }
      }
    row_of[pairs[i].candidate] = report.rows.size();
    report.rows.push_back(std::move(row));
  }
  report.unmatched = static_cast<int>(activations(cand).size()) - static_cast<int>(pairs.size());
  for (size_t i = 0; i < report.rows.size(); ++i)
    if (report.rows[i].sqnr_drop_db && std::isfinite(*report.rows[i].sqnr_drop_db) && *report.rows[i].sqnr_drop_db > 0)
      report.worst.push_back(i);
  std::stable_sort(report.worst.begin(), report.worst.end(),
                   [&](size_t a, size_t b) { return *report.rows[a].sqnr_drop_db > *report.rows[b].sqnr_drop_db; });
  if (report.worst.size() > 5) report.worst.resize(5);
  return report;
}

}  // namespace tinyopt
