// cli/cmd_prune.cc: `tinyopt prune MODEL -o OUT.tflite [--granularity ...]`: magnitude pruning of a float model,
// a preset pipeline of the driver (passes/driver.h):
//   dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,prune{...}
// The prune pass's options are its flags (cli/pass_flags.h). Writes a float model (quantize it next); prints the
// pass summary, per-layer figures and MACs / parameters / file bytes before and after, or one JSON document.
// `--analyze` measures per-layer sensitivity instead (cli/prune_analyze.h) and writes no model.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/pass_flags.h"
#include "cli/prune_analyze.h"
#include "formats/model_reader.h"
#include "formats/tflite/reader.h"
#include "passes/driver.h"
#include "reports/model_stats.h"

namespace tinyopt::cli {
namespace {

struct PruneArgs {
  DriverInputs inputs;
  PassFlags prune;
  bool json = false, no_verify_each = false;
  AnalyzeArgs analyze;
};

Expected<Pipeline> prune_pipeline(const PruneArgs& a) {
  const PassRegistry& registry = PassRegistry::builtin();
  Pipeline p = preparation_pipeline(registry);
  Expected<PassSpec> prune = pass_spec_from_flags(*registry.find("prune"), a.prune);
  if (!prune) return prune.take_error();
  p.push_back(std::move(*prune));
  return p;
}

int64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

int run_prune(PruneArgs& a, Output& out) {
  Expected<Pipeline> pipeline = prune_pipeline(a);
  if (!pipeline) return out.fail(pipeline.take_error());
  if (a.analyze.enabled)
    return run_prune_analyze(a.inputs.model, a.inputs.model_options, pipeline->back(), a.analyze, a.inputs.output, out);
  if (a.inputs.output.empty())
    return out.fail(fail(Errc::BadInput, {.option = "-o"}, "prune needs -o OUT.tflite (or --analyze)"));

  Expected<Graph> before = read_model_file(a.inputs.model, a.inputs.model_options);
  if (!before) return out.fail(before.take_error());
  const ModelStats stats_before = compute_model_stats(*before);

  DriverOptions options;
  options.verify_each = !a.no_verify_each;
  if (!out.json() && spdlog::should_log(spdlog::level::info))
    options.instruments.push_back(std::make_unique<SummaryInstrument>(stderr));
  Expected<DriverResult> r = run_pipeline(*pipeline, a.inputs, std::move(options));
  if (!r) return out.fail(r.take_error());
  const ModelStats stats_after = compute_model_stats(r->graph);
  const PassResult& pruned = r->records.back().result;
  const int64_t bytes_before = file_bytes(a.inputs.model), bytes_after = file_bytes(a.inputs.output);

  if (out.json()) {
    nlohmann::ordered_json j;
    j["model"] = a.inputs.model;
    j["output"] = a.inputs.output;
    j["pipeline"] = r->pipeline;
    j["summary"] = pruned.summary;
    j["counters"] = pruned.counters;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const LayerFigures& l : pruned.layers) {
      nlohmann::ordered_json row{{"op", l.op}, {"name", l.name}};
      for (const auto& [k, v] : l.values) row[k] = v;
      layers.push_back(row);
    }
    j["layers"] = layers;
    j["before"] = {{"macs", stats_before.total_macs}, {"parameters", stats_before.total_parameters}, {"file_bytes", bytes_before}};
    j["after"] = {{"macs", stats_after.total_macs}, {"parameters", stats_after.total_parameters}, {"file_bytes", bytes_after}};
    j["notes"] = r->notes;
    out.emit_json("prune", 1, j);
    return kExitOk;
  }
  std::string table = fmt::format("{:<4} {:<40} {}\n", "op", "layer", "result");
  for (const LayerFigures& l : pruned.layers) {
    std::string what;
    if (l.values.count("channels"))
      what = fmt::format("{} of {} channels kept", l.values.at("channels_kept"), l.values.at("channels"));
    else
      what = fmt::format("{:.1f}% zeros ({} of {})", 100.0 * l.values.at("sparsity"), l.values.at("zeros"), l.values.at("weights"));
    table += fmt::format("#{:<3} {:<40} {}\n", l.op, l.name.size() > 40 ? l.name.substr(0, 37) + "..." : l.name, what);
  }
  out.print(table);
  out.print(fmt::format("MACs {} -> {}, parameters {} -> {}, file {} -> {} bytes\nwrote {}\npipeline: {}\n",
                        stats_before.total_macs, stats_after.total_macs, stats_before.total_parameters,
                        stats_after.total_parameters, bytes_before, bytes_after, a.inputs.output, r->pipeline));
  return kExitOk;
}

}  // namespace

CommandRun add_prune(CLI::App& sub) {
  auto a = std::make_shared<PruneArgs>();
  sub.footer(
      "Runs dequantize-hybrid-weights, fold-batchnorm, fuse-activations, remove-dead and prune on a float model and\n"
      "writes the pruned float model (quantize it next). granularity=element zeroes the smallest weights; N:M (e.g.\n"
      "2:4) zeroes N of every M input-channel weights; channel removes whole filters and what depends on them, so the\n"
      "model gets smaller (--macs / --params budgets). Layers are named by their output tensor (glob) or #op index.\n"
      "--analyze measures each layer's sensitivity on --data and suggests per-layer values (no model written).");
  sub.add_option("model", a->inputs.model, "float model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, a->inputs.model_options);
  sub.add_option("-o,--output", a->inputs.output, "output .tflite (with --analyze --shard: the part file)");
  add_pass_flags(sub, *PassRegistry::builtin().find("prune"), a->prune);
  add_analyze_flags(sub, a->analyze);
  sub.add_flag("--no-verify-each", a->no_verify_each, "skip the verifier between passes (benchmarks only)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_prune(*a, out);
  };
}

}  // namespace tinyopt::cli
