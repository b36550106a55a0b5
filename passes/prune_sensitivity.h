// passes/prune_sensitivity.h: how much each layer alone suffers from pruning, and per-layer values that meet a
// global budget with the least loss (`tinyopt prune --analyze`).
//
// For each prunable layer and each level (fraction of its weights, or of its group's channels), the prune pass
// runs with that layer alone at that level (`sparsity=0,layers=[#op:level]`; N:M has one level, the others
// skipped) and the pruned model is evaluated on the data: accuracy with labels, else top-1 agreement with the
// unpruned model; the SQNR of output 0 against the unpruned model always. Evaluations use every core.
// The suggestion is a greedy allocation over the measured curves: starting dense, the step (a layer to its next
// level) with the least metric lost per unit saved (weights zeroed; MACs removed for channels) is taken until the
// budget is met. It assumes the layers' losses add up, which the user should check by pruning with it.
//
// Sharded (`--shard i/n`, docs/scale-out.md): shard i measures every n-th of the layers swept (in op order) on the
// whole data, so each point is computed exactly as one run computes it; merge_sensitivity_parts joins the parts'
// curves and makes the suggestion, equal to one run's bit for bit.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/dataset/dataset.h"
#include "formats/dataset/shard_spec.h"
#include "passes/pass.h"

namespace tinyopt {

struct SensitivityPoint {
  double level = 0;
  double metric = 0;     // accuracy (labels) or top-1 agreement with the unpruned model
  double sqnr_db = 0;    // output 0 against the unpruned model
  int64_t saved = 0;     // weights zeroed (element, N:M) or MACs removed (channel)
};

struct LayerSensitivity {
  int op = 0;
  std::string name;
  int64_t weights = 0;
  std::vector<SensitivityPoint> points;
  double suggested = 0;  // the level of the suggestion (0: dense)
};

struct SensitivityReport {
  bool labelled = false;        // metric is accuracy (else agreement)
  double baseline = 0;          // the unpruned model's accuracy (agreement: 1)
  size_t samples = 0;
  std::string saved_unit;       // "weights" or "MACs"
  int64_t total = 0;            // weights of the prunable layers, or the model's MACs
  int64_t budget = 0;           // how many units the suggestion must save
  bool budget_met = false;
  double suggested_metric = 0;  // the baseline minus the summed losses of the suggestion (an estimate)
  std::string suggested_layers; // "[#0:0.5,#3:0.75]": the prune option value
  std::vector<LayerSensitivity> layers;
  ShardSpec shard;              // {0, 1}: every layer, with the suggestion; else a part without it
  // What the shards of one sweep share (model and its sha256, prune spec, data, levels, ...), set by the caller;
  // merge_sensitivity_parts refuses parts that differ in it.
  nlohmann::ordered_json identity = nlohmann::ordered_json::object();

  nlohmann::ordered_json to_part_json() const;  // the tinyopt.prune-analyze-part/1 document
  static Expected<SensitivityReport> from_part_json(const nlohmann::json& j);
};

inline constexpr const char* kSensitivityPartSchema = "tinyopt.prune-analyze-part/1";

// `prepared` is the float graph as the prune pass would see it; `prune` the pass's spec (granularity, norm,
// targets: the budget of the suggestion is its sparsity, or for channels its macs / params / sparsity target).
// With `shard` other than {0, 1} only that shard's layers are measured and no suggestion is made.
Expected<SensitivityReport> analyze_prune_sensitivity(const Graph& prepared, const PassSpec& prune, const Dataset& data,
                                                      const std::vector<double>& levels, unsigned threads = 0,
                                                      ShardSpec shard = {});

// The greedy allocation over rep.layers' curves (sets suggested, suggested_layers, suggested_metric, budget_met).
void suggest_prune_levels(SensitivityReport& rep);

// Joins the parts of one sweep (every shard exactly once, the same identity) and suggests. Errors (BadInput): a
// part of another sweep (naming the first differing field), a shard missing or given twice.
Expected<SensitivityReport> merge_sensitivity_parts(std::span<const SensitivityReport> parts);

}  // namespace tinyopt
