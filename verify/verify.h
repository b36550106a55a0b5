// verify/verify.h: `tinyopt verify`, the CI gate: a reference model and a candidate (float or int8, in any
// combination) run over the same data; their accuracy (with labels), top-1 agreement, and SQNR / MSE / max error
// of every output of the candidate against the reference, checked against thresholds.
//
// Stages, so that a large dataset can be verified in shards on many machines (docs/scale-out.md):
//   1. tally_models: both models over (a shard of) the data -> a VerifyTally of integer counts, exact sums
//      (ir/exact_sum.h) and maxima; nothing in it depends on the thread count or on the order of the samples;
//   2. merge_tallies: the shards' tallies added, after checking they are the same pair of models, the same data
//      and thresholds, and every shard exactly once -> equal, bit for bit, to the tally of one run;
//   3. finish_verify: the figures and the threshold verdicts.
// The per-layer diagnosis (verify/per_layer.h) needs every sample at once and is not sharded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/dataset/dataset.h"
#include "formats/dataset/shard_spec.h"
#include "ir/exact_sum.h"
#include "verify/per_layer.h"

namespace tinyopt {

inline constexpr const char* kVerifySchema = "tinyopt.verify/1";
inline constexpr const char* kVerifyPartSchema = "tinyopt.verify-part/1";

// Unset thresholds are not checked.
struct VerifyThresholds {
  std::optional<double> max_top1_drop;  // percentage points of accuracy lost (needs labels)
  std::optional<double> min_agreement;  // percent of samples whose top-1 class is the same in both models
  std::optional<double> min_sqnr;       // dB, every output
  std::optional<double> max_mse;        // every output
  bool operator==(const VerifyThresholds&) const = default;
};

// One model output over the samples of a tally: sums of ref^2 and (ref - cand)^2, max |ref - cand|.
struct OutputTally {
  std::string name;  // the candidate's output tensor
  int64_t elements = 0;
  ExactSum signal, noise;
  double max_abs_error = 0;
};

struct VerifyTally {
  std::string reference, candidate;                // paths as given
  std::string reference_sha256, candidate_sha256;  // what merge_tallies checks the shards agree on
  std::vector<std::string> data;                   // data paths as given
  std::string labels;                              // --labels path, or ""
  VerifyThresholds thresholds;
  ShardSpec shard;                                 // {0, 1} for a whole run (and after merging)
  int64_t dataset_samples = 0;                     // of the whole dataset, before sharding
  int64_t samples = 0;                             // in this tally
  bool labelled = false;                           // the data has class labels
  bool classifier = false;                         // output 0 has more than one element: top-1 is meaningful
  int64_t reference_correct = 0, candidate_correct = 0, agreeing = 0;
  std::vector<OutputTally> outputs;

  nlohmann::ordered_json to_json() const;  // the tinyopt.verify-part/1 document
  static Expected<VerifyTally> from_json(const nlohmann::json& j);
};

struct VerifyInputs {
  std::string reference, candidate;
  std::vector<std::string> data;    // one source per model input (formats/dataset/dataset.h)
  std::string labels;               // optional labels file (.npy / IDX); an .npz's "y" is used without it
  DatasetOptions data_options;      // scale / offset of integer data; inputs come from the reference model
  VerifyThresholds thresholds;
  ShardSpec shard;
  size_t max_samples = 0;           // only the first N samples of the data (0: all), before sharding
  unsigned threads = 0;             // 0: every core
  bool per_layer = false;           // also the per-tensor comparison (whole dataset only)
};

// Figures of one output.
struct OutputFigures {
  std::string name;
  int64_t elements = 0;
  double sqnr_db = 0, mse = 0, max_abs_error = 0;
};

// One threshold checked: "min-sqnr" of output 'Identity' is 31.2 dB against a limit of 30.
struct ThresholdCheck {
  std::string name;    // the flag without dashes: "max-top1-drop", "min-agreement", "min-sqnr", "max-mse"
  std::string output;  // the output it applies to (min-sqnr, max-mse), else ""
  double limit = 0, measured = 0;
  bool passed = false;
};

struct VerifyReport {
  std::string reference, candidate;
  std::vector<std::string> data;
  int64_t samples = 0;
  std::optional<double> reference_accuracy, candidate_accuracy;  // fractions, with labels on a classifier
  std::optional<double> top1_drop;                               // percentage points
  std::optional<double> top1_agreement;                          // fraction, on a classifier
  std::vector<OutputFigures> outputs;
  VerifyThresholds thresholds;
  std::vector<ThresholdCheck> checks;
  bool passed = true;
  std::optional<PerLayerReport> per_layer;
  std::vector<std::string> notes;  // thresholds that could not be checked, and why
};

// Runs both models over shard `inputs.shard` of the data. Errors (BadInput): unreadable models or data, models
// whose inputs or outputs differ in count or size (naming them), a threshold that needs labels without labels.
Expected<VerifyTally> tally_models(const VerifyInputs& inputs);
// Adds shards' tallies. Errors: different models, data or thresholds; a shard missing or given twice.
Expected<VerifyTally> merge_tallies(std::span<const VerifyTally> parts);
VerifyReport finish_verify(const VerifyTally& tally);
// tally_models on the whole data, finish_verify, and the per-layer report when asked.
Expected<VerifyReport> verify_models(const VerifyInputs& inputs);

}  // namespace tinyopt
