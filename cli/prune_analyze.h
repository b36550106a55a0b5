// cli/prune_analyze.h: `tinyopt prune --analyze`: the flags and the printing of the per-layer sensitivity sweep
// (passes/prune_sensitivity.h). Part of the prune subcommand (cli/cmd_prune.cc).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "formats/model_reader.h"
#include "passes/pass.h"
#include "passes/prune_sensitivity.h"

namespace tinyopt::cli {

struct AnalyzeArgs {
  bool enabled = false;
  std::string data;    // samples (with labels from the source or --labels)
  std::string labels;
  size_t samples = 500;
  std::vector<double> levels{0.25, 0.5, 0.75, 0.9};
  unsigned threads = 0;
  std::string shard;  // "i/n": measure that shard's layers and write the part to `part` (tinyopt merge joins them)
  std::string part;
};

void add_analyze_flags(CLI::App& sub, AnalyzeArgs& a);

// Runs the preparation passes on `model`, then the sweep of the prune pass `prune` over --data; with --shard, the
// shard's part is written to `part` (prune's -o).
int run_prune_analyze(const std::string& model, const ModelReadOptions& read, const PassSpec& prune, const AnalyzeArgs& a,
                      const std::string& part, Output& out);

// The tinyopt.prune-analyze/1 document (`prune --analyze --json`, and what `merge` writes from parts) and the text.
nlohmann::ordered_json analyze_json(const SensitivityReport& rep, bool with_schema = false);
std::string analyze_text(const SensitivityReport& rep);

}  // namespace tinyopt::cli
