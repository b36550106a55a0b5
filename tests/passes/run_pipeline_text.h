// tests/passes/run_pipeline_text.h: runs a pipeline given as text on a graph, as the pass tests all do: parse,
// build the passes, run them with the test's context. Errors (a bad option, a pass that fails) come back as they
// are, so tests can check them.
#pragma once

#include <string>
#include <vector>

#include "passes/pass_manager.h"
#include "passes/pipeline_parser.h"

namespace tinyopt::test {

// What each pass of `pipeline` did, in order.
inline Expected<std::vector<PassRunRecord>> run_pipeline_text(Graph& g, const std::string& pipeline,
                                                              PassContext ctx = {}) {
  Expected<Pipeline> p = parse_pipeline(pipeline);
  if (!p) return p.take_error();
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  if (!pm) return pm.take_error();
  if (Expected<void> ok = pm->run(g, ctx); !ok) return ok.take_error();
  return pm->records();
}

// The result of the pipeline's last pass.
inline Expected<PassResult> run_last_pass(Graph& g, const std::string& pipeline, PassContext ctx = {}) {
  Expected<std::vector<PassRunRecord>> records = run_pipeline_text(g, pipeline, std::move(ctx));
  if (!records) return records.take_error();
  return records->back().result;
}

}  // namespace tinyopt::test
