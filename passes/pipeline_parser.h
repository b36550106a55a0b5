// passes/pipeline_parser.h: the textual pass pipeline, one syntax everywhere (CLI -p, JSON config, tests,
// provenance metadata):
//
//   fold-batchnorm,prune{sparsity=0.8,skip=[conv_0,dense_out]},quantize{weights=per-channel}
//
// Parsing has two steps (as MLIR's TextualPipeline): first the structure is split out, counting brace and
// bracket depth so that `skip=[a,b]` stays one value; then each name is resolved against the registry and each
// option value checked against its declared kind. Every error points into the text with line:column, a caret
// line, the closest valid name ("did you mean ...") and a note listing the valid choices.
//
// print() gives the canonical form (every option, keys sorted, defaults included); parse(print(p)) == p.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "passes/pass.h"
#include "passes/registry.h"

namespace tinyopt {

using Pipeline = std::vector<PassSpec>;

// Parses `text`. Errors are BadInput with a multi-line message:
//   pipeline:1:20: pass 'prune' has no option 'granularty' (did you mean 'granularity'?)
//     prune{sparsity=0.8,granularty=channel},quantize
//                        ^~~~~~~~~~
//   note: prune options: granularity=element|channel (default element), ...
Expected<Pipeline> parse_pipeline(std::string_view text, const PassRegistry& registry = PassRegistry::builtin());

// Canonical text: passes joined by ',', each as PassSpec::print().
std::string print_pipeline(const Pipeline& p);

// The name in `candidates` closest to `word` by edit distance, or "" when none is close enough to suggest.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

// Checks one option value against its declared kind and range and returns its canonical text ("0.80" -> "0.8",
// "1" -> "true" for a bool, "a,b" -> "[a,b]" for a list). The error message says what is wrong, without a
// location: the caller names the pipeline position or the CLI flag.
Expected<std::string> check_option_value(const OptionSpec& o, std::string_view value);

// "granularity=element|channel (default element), skip=<list>, sparsity=<float> (default 0.5)".
std::string describe_options(const PassInfo& info);

}  // namespace tinyopt
