// passes/prune_sensitivity.cc: the sweep and the greedy suggestion of prune_sensitivity.h.
#include "passes/prune_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "passes/prune_layers.h"
#include "passes/registry.h"
#include "reports/model_stats.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"

namespace tinyopt {
namespace {

struct Scored {
  double metric = 0, sqnr_db = 0;
};

Expected<Scored> score(const Evaluation& base, const Evaluation& ev, const Dataset& data) {
  Scored s;
  if (data.has_labels()) {
    Expected<double> acc = top_k_accuracy(ev, data, 1);
    if (!acc) return acc.take_error();
    s.metric = *acc;
  } else {
    Expected<double> agree = top1_agreement(base, ev);
    if (!agree) return agree.take_error();
    s.metric = *agree;
  }
  Expected<std::vector<ErrorStats>> err = compare_outputs(base, ev);
  if (!err) return err.take_error();
  s.sqnr_db = err->empty() ? 0 : (*err)[0].sqnr_db();
  return s;
}

int64_t zeros_in_layers(const Graph& g) {
  int64_t z = 0;
  for (const PrunableLayer& l : prunable_layers(g))
    for (float x : g.tensor(l.weights).values<float>()) z += x == 0.0f;
  return z;
}

}  // namespace

Expected<SensitivityReport> analyze_prune_sensitivity(const Graph& prepared, const PassSpec& prune, const Dataset& data,
                                                      const std::vector<double>& levels, unsigned threads,
                                                      ShardSpec shard) {
  const PassRegistry& registry = PassRegistry::builtin();
  const std::string granularity = prune.options.at("granularity");
  const bool channel = granularity == "channel", element = granularity == "element";
  const std::vector<PrunableLayer> layers = prunable_layers(prepared);

  EvaluateOptions eo;
  eo.threads = threads;
  Expected<Evaluation> base = evaluate_model(prepared, data, eo);
  if (!base) return base.take_error();
  SensitivityReport rep;
  rep.labelled = data.has_labels();
  rep.samples = data.size();
  rep.shard = shard;
  Expected<Scored> base_score = score(*base, *base, data);
  if (!base_score) return base_score.take_error();
  rep.baseline = base_score->metric;
  const ModelStats stats = compute_model_stats(prepared);
  const int64_t base_zeros = zeros_in_layers(prepared);

  const std::vector<std::string> skip_list = [&] {
    std::vector<std::string> v = split_list_value(prune.options.at("skip"));
    return v;
  }();
  size_t swept = 0;  // layers swept so far, in op order: shard i takes every n-th
  for (const PrunableLayer& l : layers) {
    if (matches_any(skip_list, l)) continue;
    if (swept++ % shard.count != shard.index) continue;
    LayerSensitivity ls{l.op, l.name, prepared.tensor(l.weights).num_elements(), {}, 0};
    const std::vector<double> sweep = element || channel ? levels : std::vector<double>{-1};
    for (double level : sweep) {
      PassSpec spec = prune;
      if (element || channel) {
        spec.options["sparsity"] = "0";
        spec.options["macs"] = spec.options["params"] = "1";
        spec.options["allocation"] = "uniform";
        spec.options["layers"] = fmt::format("[#{}:{}]", l.op, format_float_option(level));
      } else {
        std::string others;
        for (const PrunableLayer& k : layers)
          if (k.op != l.op) others += fmt::format("{}#{}", others.empty() ? "" : ",", k.op);
        spec.options["skip"] = "[" + others + "]";
      }
      Expected<std::unique_ptr<Pass>> pass = make_pass(registry, spec);
      if (!pass) return pass.take_error();
      Graph g = prepared;
      PassContext ctx;
      Expected<PassResult> r = (*pass)->run(g, ctx);
      if (!r) return r.take_error();
      Expected<Evaluation> ev = evaluate_model(g, data, eo);
      if (!ev) return ev.take_error();
      Expected<Scored> s = score(*base, *ev, data);
      if (!s) return s.take_error();
      const int64_t saved = channel ? stats.total_macs - compute_model_stats(g).total_macs : zeros_in_layers(g) - base_zeros;
      ls.points.push_back({level < 0 ? 0.0 : level, s->metric, s->sqnr_db, saved});
    }
    rep.layers.push_back(std::move(ls));
  }

  // The budget in saved units.
  rep.saved_unit = channel ? "MACs" : "weights";
  if (channel) {
    rep.total = stats.total_macs;
    const double keep = std::min(std::stod(prune.options.at("macs")), 1.0);
    rep.budget = static_cast<int64_t>(std::ceil((1.0 - keep) * static_cast<double>(rep.total)));
    if (keep >= 1.0) rep.budget = static_cast<int64_t>(std::ceil(std::stod(prune.options.at("sparsity")) * static_cast<double>(rep.total)));
  } else {
    for (const PrunableLayer& l : layers) rep.total += prepared.tensor(l.weights).num_elements();
    rep.budget = static_cast<int64_t>(std::ceil(std::stod(prune.options.at("sparsity")) * static_cast<double>(rep.total)));
    if (!element) rep.budget = 0;  // N:M: one level per layer, nothing to allocate
  }

  if (shard.count == 1) suggest_prune_levels(rep);
  return rep;
}

void suggest_prune_levels(SensitivityReport& rep) {
  // Greedy: each step moves one layer to its next level, least loss per unit saved first.
  std::vector<size_t> at(rep.layers.size(), 0);  // points taken (0: dense)
  int64_t saved = 0;
  double lost = 0;
  while (saved < rep.budget) {
    size_t best = rep.layers.size();
    double best_cost = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < rep.layers.size(); ++k) {
      const LayerSensitivity& l = rep.layers[k];
      if (at[k] >= l.points.size()) continue;
      const double m0 = at[k] == 0 ? rep.baseline : l.points[at[k] - 1].metric;
      const int64_t s0 = at[k] == 0 ? 0 : l.points[at[k] - 1].saved;
      const int64_t gain = l.points[at[k]].saved - s0;
      if (gain <= 0) continue;
      const double cost = std::max(0.0, m0 - l.points[at[k]].metric) / static_cast<double>(gain);
      if (cost < best_cost) best_cost = cost, best = k;
    }
    if (best == rep.layers.size()) break;
    const LayerSensitivity& l = rep.layers[best];
    const double m0 = at[best] == 0 ? rep.baseline : l.points[at[best] - 1].metric;
    const int64_t s0 = at[best] == 0 ? 0 : l.points[at[best] - 1].saved;
    lost += m0 - l.points[at[best]].metric;
    saved += l.points[at[best]].saved - s0;
    ++at[best];
  }
  rep.budget_met = saved >= rep.budget;
  rep.suggested_metric = rep.baseline - lost;
  std::string items;
  for (size_t k = 0; k < rep.layers.size(); ++k) {
    if (at[k] == 0) continue;
    rep.layers[k].suggested = rep.layers[k].points[at[k] - 1].level;
    items += fmt::format("{}#{}:{}", items.empty() ? "" : ",", rep.layers[k].op, format_float_option(rep.layers[k].suggested));
  }
  rep.suggested_layers = "[" + items + "]";
}


Expected<SensitivityReport> merge_sensitivity_parts(std::span<const SensitivityReport> parts) {
  if (parts.empty()) return fail(Errc::BadInput, {}, "no parts to merge");
  const SensitivityReport& first = parts[0];
  std::vector<int> seen(first.shard.count, 0);
  SensitivityReport sum = first;
  sum.layers.clear();
  for (size_t p = 0; p < parts.size(); ++p) {
    const SensitivityReport& t = parts[p];
    auto differs = [&](const std::string& what) {
      return fail(Errc::BadInput, {}, "part {} (shard {}/{}) has another {} than part 0", p, t.shard.index, t.shard.count, what);
    };
    for (auto it = first.identity.begin(); it != first.identity.end(); ++it)
      if (!t.identity.contains(it.key()) || t.identity.at(it.key()) != it.value()) return differs(it.key());
    if (t.identity.size() != first.identity.size()) return differs("set of identity fields");
    if (t.shard.count != first.shard.count) return differs("shard count");
    if (t.labelled != first.labelled || t.samples != first.samples || t.baseline != first.baseline)
      return differs("unpruned baseline");
    if (t.saved_unit != first.saved_unit || t.total != first.total || t.budget != first.budget) return differs("budget");
    if (seen[t.shard.index]++) return fail(Errc::BadInput, {}, "shard {}/{} is given twice", t.shard.index, t.shard.count);
    sum.layers.insert(sum.layers.end(), t.layers.begin(), t.layers.end());
  }
  std::string missing;
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(seen.size());
  if (!missing.empty()) return fail(Errc::BadInput, {}, "shard(s) missing: {}", missing);
  // One run lists the layers in op order; the suggestion's ties are broken by that order too.
  std::stable_sort(sum.layers.begin(), sum.layers.end(), [](const LayerSensitivity& a, const LayerSensitivity& b) { return a.op < b.op; });
  for (size_t k = 1; k < sum.layers.size(); ++k)
    if (sum.layers[k].op == sum.layers[k - 1].op)
      return fail(Errc::BadInput, {}, "layer #{} is in two parts", sum.layers[k].op);
  sum.shard = {0, 1};
  suggest_prune_levels(sum);
  return sum;
}

}  // namespace tinyopt
