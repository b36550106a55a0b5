// tests/fuzz/pipeline_parser_fuzzer.cc: the textual pass pipeline (`-p` of optimize, the pipeline that
// `quantize` builds from its flags and stores in the model's metadata). Any text must parse or give an error;
// an accepted pipeline must print to canonical text that parses back to the same pipeline (parse(print(p)) == p,
// pipeline_parser.h).
//
// The registry is pipeline_fuzz_registry(): the built-in passes' option tables without the passes (see
// fuzz_targets.h). Seeds: pipeline strings from the tests and the README, in tests/fuzz/corpus/pipeline_parser/.
#include <string_view>

#include "passes/pipeline_parser.h"
#include "passes/registry.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

PassInfo info(std::string name, std::vector<OptionSpec> options) {
  return {std::move(name), "(fuzz build: option table only)", std::move(options),
          [](const PassSpec& spec) -> Expected<std::unique_ptr<Pass>> {
            return fail(Errc::Internal, {}, "pass '{}' is not built into the fuzzer", spec.name);
          },
          {}};
}

// The option tables' specs as passes/pass_options.h makes them (a test compares them with the real ones).
OptionSpec spec(std::string name, OptionKind kind, std::string def, std::vector<std::string> choices = {},
                double min = -1e300, double max = 1e300) {
  return {std::move(name), kind, std::move(def), "", std::move(choices), min, max};
}

}  // namespace

const PassRegistry& pipeline_fuzz_registry() {
  static const PassRegistry registry = [] {
    Expected<PassRegistry> r = PassRegistry::from_list({
        info("cluster", {spec("bits", OptionKind::Int, "4", {}, 1, 7),
                         spec("granularity", OptionKind::Enum, "auto", {"auto", "channel", "tensor"}),
                         spec("skip", OptionKind::List, "[]")}),
        info("compress", {spec("encoding", OptionKind::Enum, "auto", {"auto", "lut", "prune", "none"}),
                          spec("min-saving", OptionKind::Int, "0", {}, 0, 1e12),
                          spec("ram-cap", OptionKind::Int, "0", {}, 0, 1e12)}),
        info("cross-layer-equalization", {spec("iterations", OptionKind::Int, "4", {}, 1, 100)}),
        info("cut", {spec("outputs", OptionKind::List, "[]"), spec("inputs", OptionKind::List, "[]")}),
        info("dequantize-hybrid-weights", {}),
        info("distill",
             {spec("teacher", OptionKind::String, ""), spec("temperature", OptionKind::Float, "4", {}, 0.05, 100),
              spec("alpha", OptionKind::Float, "0.5", {}, 0, 1), spec("epochs", OptionKind::Int, "1", {}, 0, 100000),
              spec("steps", OptionKind::Int, "0", {}, 0, 1e12), spec("batch", OptionKind::Int, "64", {}, 1, 65536),
              spec("lr", OptionKind::Float, "0.001", {}, 0, 10),
              spec("schedule", OptionKind::Enum, "cosine", {"cosine", "step", "constant"}),
              spec("warmup", OptionKind::Int, "0", {}, 0, 1e12), spec("lr-step", OptionKind::Int, "1000", {}, 1, 1e12),
              spec("lr-gamma", OptionKind::Float, "0.1", {}, 0, 1),
              spec("optimizer", OptionKind::Enum, "adamw", {"adamw", "adam", "sgd"}),
              spec("weight-decay", OptionKind::Float, "0", {}, 0, 1),
              spec("seed", OptionKind::Int, "0", {}, 0, 9007199254740992.0),
              spec("holdout", OptionKind::Float, "0.1", {}, 0, 0.5), spec("patience", OptionKind::Int, "0", {}, 0, 100000),
              spec("threads", OptionKind::Int, "2", {}, 1, 64), spec("prune-granularity", OptionKind::String, "none"),
              spec("initial-sparsity", OptionKind::Float, "0", {}, 0, 0.99),
              spec("final-sparsity", OptionKind::Float, "0", {}, 0, 0.99),
              spec("prune-begin", OptionKind::Int, "0", {}, 0, 1e12), spec("prune-end", OptionKind::Int, "0", {}, 0, 1e12),
              spec("prune-every", OptionKind::Int, "100", {}, 1, 1e12),
              spec("prune-macs", OptionKind::Float, "1", {}, 0, 1), spec("prune-params", OptionKind::Float, "1", {}, 0, 1),
              spec("prune-allocation", OptionKind::Enum, "uniform", {"uniform", "global"}),
              spec("prune-norm", OptionKind::Enum, "l2", {"l2", "l1"}),
              spec("prune-max-layer-sparsity", OptionKind::Float, "0.9", {}, 0, 0.99),
              spec("prune-skip", OptionKind::List, "[]"), spec("qat", OptionKind::Bool, "false")}),
        info("fold-batchnorm", {}),
        info("fuse-activations", {}),
        info("prune",
             {spec("granularity", OptionKind::String, "element"), spec("sparsity", OptionKind::Float, "0.5", {}, 0, 1),
              spec("macs", OptionKind::Float, "1", {}, 0, 1), spec("params", OptionKind::Float, "1", {}, 0, 1),
              spec("allocation", OptionKind::Enum, "uniform", {"uniform", "global"}),
              spec("norm", OptionKind::Enum, "l2", {"l2", "l1"}),
              spec("max-layer-sparsity", OptionKind::Float, "0.9", {}, 0, 0.99), spec("layers", OptionKind::List, "[]"),
              spec("skip", OptionKind::List, "[]")}),
        info("quantize",
             {spec("activations", OptionKind::Enum, "int8", {"int8", "int16"}),
              spec("bias-correction", OptionKind::Bool, "false"), spec("float-io", OptionKind::Bool, "false"),
              spec("int16-layers", OptionKind::List, "[]"), spec("num-calib", OptionKind::Int, "0", {}, 0, 1e9),
              spec("observer", OptionKind::Enum, "minmax", {"minmax", "ema", "percentile", "mse", "kl"}),
              spec("percentile", OptionKind::Float, "99.99", {}, 50.0, 100.0),
              spec("weights", OptionKind::Enum, "per-channel", {"per-channel", "per-tensor"})}),
        info("remove-dead", {}),
        info("fuzz-text", {spec("label", OptionKind::String, "none")}),
    });
    if (!r) property_failed("pipeline_parser", r.error().to_string());
    return std::move(*r);
  }();
  return registry;
}

int pipeline_parser_fuzzer(std::span<const uint8_t> input) {
  const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  Expected<Pipeline> p = parse_pipeline(text, pipeline_fuzz_registry());
  if (!p) return 0;
  const std::string canonical = print_pipeline(*p);
  Expected<Pipeline> back = parse_pipeline(canonical, pipeline_fuzz_registry());
  if (!back) property_failed("pipeline_parser", "canonical text '" + canonical + "' does not parse: " + back.error().to_string());
  if (*back != *p) property_failed("pipeline_parser", "canonical text '" + canonical + "' parses to another pipeline");
  return 0;
}

}  // namespace tinyopt::fuzz
