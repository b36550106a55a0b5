// passes/pass_manager.h: runs a pipeline of passes over a Graph, with the verifier (Graph::validate) between
// passes and instruments (timing, summary lines, IR dumps) around each one, as MLIR's PassManager does.
//
// A failed pass or a failed verification stops the pipeline; the error names the pass in canonical form. The
// instruments' after_failed hooks run first, so the IR printer can dump the graph the pass left behind.
#pragma once

#include <memory>
#include <vector>

#include "passes/instrumentation.h"
#include "passes/pass.h"
#include "passes/pipeline_parser.h"

namespace tinyopt {

// One entry per pass run, in order: what the pass reported and how long it took.
struct PassRunRecord {
  std::string pass;  // canonical spec text
  PassResult result;
  double seconds = 0;
};

class PassManager {
 public:
  // Builds the passes of `pipeline` from `registry`. Errors: a factory rejected its options.
  static Expected<PassManager> from_pipeline(const Pipeline& pipeline,
                                             const PassRegistry& registry = PassRegistry::builtin());

  void add(std::unique_ptr<Pass> pass) { passes_.push_back(std::move(pass)); }
  void add_instrument(std::unique_ptr<PassInstrument> i) { instruments_.push_back(std::move(i)); }
  // The verifier runs after every pass by default; turning it off is for benchmarks only.
  void set_verify_each(bool on) { verify_each_ = on; }

  Expected<void> run(Graph& g, PassContext& ctx);

  const std::vector<PassRunRecord>& records() const { return records_; }
  Pipeline pipeline() const;

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
  std::vector<std::unique_ptr<PassInstrument>> instruments_;
  std::vector<PassRunRecord> records_;
  bool verify_each_ = true;
};

}  // namespace tinyopt
