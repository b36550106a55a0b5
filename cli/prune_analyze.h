// cli/prune_analyze.h: `tinyopt prune --analyze`: the flags and the printing of the per-layer sensitivity sweep
// (passes/prune_sensitivity.h). Part of the prune subcommand (cli/cmd_prune.cc).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "formats/model_reader.h"
#include "passes/pass.h"

namespace tinyopt::cli {

struct AnalyzeArgs {
  bool enabled = false;
  std::string data;    // samples (with labels from the source or --labels)
  std::string labels;
  size_t samples = 500;
  std::vector<double> levels{0.25, 0.5, 0.75, 0.9};
  unsigned threads = 0;
};

void add_analyze_flags(CLI::App& sub, AnalyzeArgs& a);

// Runs the preparation passes on `model`, then the sweep of the prune pass `prune` over --data.
int run_prune_analyze(const std::string& model, const ModelReadOptions& read, const PassSpec& prune, const AnalyzeArgs& a, Output& out);

}  // namespace tinyopt::cli
