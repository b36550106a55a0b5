// passes/optimize_summary.h: the per-pass summary of `tinyopt optimize`: after each pass, what the model is now
// (parameters, MACs, weight sparsity, serialized file size) and, when samples are given, how faithful it still is
// to the model that entered the pipeline (SQNR of every output and top-1 agreement of output 0 on those samples).
//
// An instrument (passes/instrumentation.h): it sees the input model in the first before(), runs it once over the
// samples, then after each pass runs the pass's result over the same samples. Figures are kept for --json and
// optionally printed as one line per pass.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "formats/dataset/dataset.h"
#include "passes/instrumentation.h"
#include "runtime/evaluate.h"

namespace tinyopt {

struct ModelFigures {
  int64_t parameters = 0, macs = 0;
  int64_t weights = 0, zero_weights = 0;  // elements of CONV/DEPTHWISE/FC weight tensors, and how many are 0
  int64_t file_bytes = 0;                 // the graph as the writer would write it now
};

struct PassFigures {
  std::string pass;             // canonical spec
  double seconds = 0;
  std::string summary;          // the pass's own summary line
  ModelFigures model;
  std::optional<double> sqnr_db;          // lowest output SQNR against the input model, on the samples
  std::optional<double> top1_agreement;   // fraction, output 0, when it has more than one element
};

ModelFigures model_figures(const Graph& g);

class OptimizeSummaryInstrument : public PassInstrument {
 public:
  // `samples` may be null (no fidelity figures); `out` may be null (no printing).
  OptimizeSummaryInstrument(std::FILE* out, const Dataset* samples, std::vector<PassFigures>* figures)
      : out_(out), samples_(samples), figures_(figures) {}
  void before(const Pass& p, const Graph& g) override;
  void after(const Pass& p, const Graph& g, const PassResult& r, double seconds) override;
  void after_failed(const Pass& p, const Graph& g) override;

 private:
  std::FILE* out_;
  const Dataset* samples_;
  std::vector<PassFigures>* figures_;
  bool started_ = false;
  std::optional<Evaluation> reference_;
};

// "105,866 params, 1.1 M MACs, 0.0% zeros, 110,332 bytes, SQNR 31.2 dB, top-1 agreement 100.0%"
std::string describe_figures(const PassFigures& f);

}  // namespace tinyopt
