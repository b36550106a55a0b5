// passes/distill_constraints.cc: masks and ties read from the weights, and the gradual-pruning schedule.
#include "passes/distill_constraints.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "ir/op_traits.h"
#include "passes/prune_layers.h"
#include "passes/prune_masks.h"

namespace tinyopt {
namespace {

// Ties over the groups of `w`: equal nonzero values within a group share a tie id (ids numbered from 0 across the
// tensor). Returns nullopt when some group has more than kMaxClusterValues distinct values or no group shares.
std::optional<std::vector<int32_t>> ties_over_groups(std::span<const float> w, size_t groups, size_t inner, size_t dim) {
  std::vector<int32_t> tie(w.size(), -1);
  std::vector<std::map<float, int32_t>> ids(groups);
  int32_t next = 0;
  bool shared = false;
  for (size_t e = 0; e < w.size(); ++e) {
    if (w[e] == 0.f) continue;  // zeros are masked, not tied
    const size_t grp = groups == 1 ? 0 : (e / inner) % dim;
    auto [it, inserted] = ids[grp].try_emplace(w[e], next);
    if (inserted) {
      if (static_cast<int64_t>(ids[grp].size()) > kMaxClusterValues) return std::nullopt;
      ++next;
    } else {
      shared = true;
    }
    tie[e] = it->second;
  }
  if (!shared) return std::nullopt;
  return tie;
}

}  // namespace

std::optional<std::vector<int32_t>> cluster_ties(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& t = g.tensor(op.input(1));
  const std::span<const float> w = t.values<float>();
  if (auto whole = ties_over_groups(w, 1, 1, 1)) return whole;
  const int axis = weight_channel_axis(op.kind);
  if (axis < 0 || static_cast<size_t>(axis) >= t.shape.size()) return std::nullopt;
  const auto dim = static_cast<size_t>(t.shape[static_cast<size_t>(axis)]);
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= static_cast<size_t>(t.shape[d]);
  return ties_over_groups(w, dim, inner, dim);
}

WeightConstraints constraints_from_weights(const Graph& g) {
  WeightConstraints c;
  std::set<TensorId> seen;
  for (const PrunableLayer& l : prunable_layers(g)) {
    if (!seen.insert(l.weights).second) continue;
    const std::span<const float> w = g.tensor(l.weights).values<float>();
    std::vector<uint8_t> mask(w.size(), 1);
    int64_t zeros = 0;
    for (size_t j = 0; j < w.size(); ++j)
      if (w[j] == 0.f) mask[j] = 0, ++zeros;
    if (zeros > 0) {
      c.masks.emplace_back(l.weights, std::move(mask));
      c.masked_weights += zeros;
    }
    if (auto tie = cluster_ties(g, l.op)) {
      c.ties.emplace_back(l.weights, std::move(*tie));
      ++c.tied_tensors;
    }
  }
  return c;
}

Expected<GradualPruning> GradualPruning::parse(const std::string& text, const std::string& option) {
  GradualPruning p;
  if (text == "none") return p;
  if (text == "element" || text == "channel") {
    p.granularity = text == "element" ? GradualGranularity::Element : GradualGranularity::Channel;
    return p;
  }
  int n = 0, m = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d:%d%c", &n, &m, &tail) == 2) {
    if (m < 2 || n < 1 || n >= m)
      return fail(Errc::BadInput, {.option = option}, "'{}': N:M needs 1 <= N < M and M >= 2", text);
    p.granularity = GradualGranularity::NM;
    p.n = n, p.m = m;
    return p;
  }
  return fail(Errc::BadInput, {.option = option}, "'{}' is not none, element, channel or N:M (e.g. 2:4)", text);
}

double GradualPruning::sparsity_at(int64_t step) const {
  if (step < begin) return initial;
  if (step >= end || end <= begin) return final;
  const double x = 1.0 - static_cast<double>(step - begin) / static_cast<double>(end - begin);
  return final + (initial - final) * x * x * x;
}

double GradualPruning::progress_at(int64_t step) const {
  if (step < begin) return 0;
  if (step >= end || end <= begin) return 1;
  const double x = 1.0 - static_cast<double>(step - begin) / static_cast<double>(end - begin);
  return 1.0 - x * x * x;
}

bool GradualPruning::remask_at(int64_t step) const {
  if (!active() || step < begin) return false;
  if (step == end) return true;
  return step < end && (step - begin) % std::max<int64_t>(every, 1) == 0;
}

std::vector<uint8_t> magnitude_mask(std::span<const float> w, const Shape& shape, OpKind kind,
                                    std::span<const uint8_t> base, const GradualPruning& p, double sparsity) {
  Tensor t;
  t.dtype = DType::Float32;
  t.shape = shape;
  t.is_constant = true;
  std::vector<float> v(w.begin(), w.end());
  for (size_t j = 0; j < v.size() && !base.empty(); ++j)
    if (!base[j]) v[j] = 0.f;
  if (p.granularity == GradualGranularity::NM) {
    t.set_values<float>(v);
    prune_n_m(t, kind, p.n, p.m);
    auto pruned = t.values<float>();
    v.assign(pruned.begin(), pruned.end());
  } else {
    zero_smallest(v, std::llround(sparsity * static_cast<double>(v.size())));
  }
  std::vector<uint8_t> mask(v.size());
  for (size_t j = 0; j < v.size(); ++j) mask[j] = v[j] != 0.f && (base.empty() || base[j]);
  return mask;
}

}  // namespace tinyopt
