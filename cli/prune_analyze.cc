// cli/prune_analyze.cc: flags, run and printing of `tinyopt prune --analyze`.
#include "cli/prune_analyze.h"

#include <fmt/format.h>

#include "formats/atomic_file.h"
#include "formats/dataset/dataset.h"
#include "formats/sha256.h"
#include "formats/model_reader.h"
#include "formats/tflite/reader.h"
#include "passes/driver.h"
#include "passes/pass_manager.h"
#include "passes/prune_sensitivity.h"

namespace tinyopt::cli {

void add_analyze_flags(CLI::App& sub, AnalyzeArgs& a) {
  sub.add_flag("--analyze", a.enabled, "per-layer sensitivity on --data and suggested per-layer values; writes no model");
  sub.add_option("--data", a.data, "--analyze: samples (.npy/.npz/IDX/images; labels from the source or --labels)");
  sub.add_option("--labels", a.labels, "--analyze: labels for --data (.npy integer vector or IDX labels)");
  sub.add_option("--num-samples", a.samples, "--analyze: samples evaluated per point (default 500)")->check(CLI::Range(1, 1 << 30));
  sub.add_option("--levels", a.levels, "--analyze: sparsity levels per layer (default 0.25,0.5,0.75,0.9)")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 0.999));
  sub.add_option("--threads", a.threads, "--analyze: evaluation threads (default: every core)");
  sub.add_option("--shard", a.shard, "--analyze: measure shard i of n of the layers (0-based) and write the part with -o PART.json");
}

int run_prune_analyze(const std::string& model, const ModelReadOptions& read, const PassSpec& prune, const AnalyzeArgs& a,
                      const std::string& part, Output& out) {
  if (a.data.empty()) return out.fail(fail(Errc::BadInput, {.option = "--data"}, "--analyze needs --data SAMPLES"));
  ShardSpec shard;
  if (!a.shard.empty()) {
    Expected<ShardSpec> spec = parse_shard_spec(a.shard);
    if (!spec) return out.fail(spec.take_error());
    shard = *spec;
    if (part.empty()) return out.fail(fail(Errc::BadInput, {.option = "--shard"}, "a shard's part needs -o PART.json (then: tinyopt merge PART... -o OUT.json)"));
  } else if (!part.empty()) {
    return out.fail(fail(Errc::BadInput, {.option = "-o"}, "--analyze writes no model: -o PART.json is for --shard i/n runs"));
  }
  Expected<std::string> digest = sha256_file(model);
  if (!digest) return out.fail(digest.take_error());
  Expected<Graph> g = read_model_file(model, read);
  if (!g) return out.fail(g.take_error());
  Expected<PassManager> pm = PassManager::from_pipeline(preparation_pipeline());
  if (!pm) return out.fail(pm.take_error());
  PassContext ctx;
  if (Expected<void> ok = pm->run(*g, ctx); !ok) return out.fail(ok.take_error());

  DatasetOptions opts;
  opts.inputs = input_specs(*g);
  opts.max_samples = a.samples;
  Expected<Dataset> data = a.labels.empty() ? open_dataset(a.data, opts) : open_dataset({a.data}, a.labels, opts);
  if (!data) {
    Error e = data.take_error();
    e.where.option = "--data";
    return out.fail(std::move(e));
  }
  Expected<SensitivityReport> rep = analyze_prune_sensitivity(*g, prune, *data, a.levels, a.threads, shard);
  if (!rep) return out.fail(rep.take_error());
  rep->identity = {{"model", model}, {"model_sha256", *digest}, {"prune", prune.print()}, {"data", a.data},
                   {"labels", a.labels}, {"num_samples", a.samples}, {"levels", a.levels}};
  if (!a.shard.empty()) {
    if (Expected<void> ok = write_file_atomically(part, rep->to_part_json().dump(2) + "\n"); !ok) return out.fail(ok.take_error());
    if (out.json())
      out.emit_json("prune-analyze-shard", 1, {{"part", part}, {"shard", a.shard}, {"layers", rep->layers.size()}});
    else
      out.print(fmt::format("wrote {}: shard {} ({} layers); combine the parts with tinyopt merge\n", part, a.shard, rep->layers.size()));
    return kExitOk;
  }
  if (out.json()) {
    out.emit_json("prune-analyze", 1, analyze_json(*rep));
    return kExitOk;
  }
  out.print(analyze_text(*rep));
  return kExitOk;
}

nlohmann::ordered_json analyze_json(const SensitivityReport& rep, bool with_schema) {
  const char* metric = rep.labelled ? "accuracy" : "agreement";
  nlohmann::ordered_json j;
  if (with_schema) j["schema"] = "tinyopt.prune-analyze/1";
  j["model"] = rep.identity.value("model", "");
  j["prune"] = rep.identity.value("prune", "");
  j["samples"] = rep.samples;
  j["metric"] = metric;
  j["baseline"] = rep.baseline;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerSensitivity& l : rep.layers) {
    nlohmann::ordered_json pts = nlohmann::ordered_json::array();
    for (const SensitivityPoint& p : l.points)
      pts.push_back({{"level", p.level}, {metric, p.metric}, {"sqnr_db", p.sqnr_db}, {"saved", p.saved}});
    layers.push_back({{"op", l.op}, {"name", l.name}, {"weights", l.weights}, {"points", pts}, {"suggested", l.suggested}});
  }
  j["layers"] = layers;
  j["suggestion"] = {{"layers", rep.suggested_layers}, {"unit", rep.saved_unit}, {"total", rep.total},
                     {"budget", rep.budget}, {"budget_met", rep.budget_met}, {"estimated_metric", rep.suggested_metric}};
  return j;
}

std::string analyze_text(const SensitivityReport& rep) {
  const char* metric = rep.labelled ? "accuracy" : "agreement";
  std::string text = fmt::format("{} on {} samples: unpruned {:.4f}\n", metric, rep.samples, rep.baseline);
  std::string head = fmt::format("{:<4} {:<36}", "op", "layer");
  if (!rep.layers.empty())
    for (const SensitivityPoint& p : rep.layers[0].points) head += fmt::format(" {:>16}", fmt::format("@{}", p.level));
  text += head + "   (" + metric + " / SQNR dB)\n";
  for (const LayerSensitivity& l : rep.layers) {
    std::string row = fmt::format("#{:<3} {:<36}", l.op, l.name.size() > 36 ? l.name.substr(0, 33) + "..." : l.name);
    for (const SensitivityPoint& p : l.points) row += fmt::format(" {:>16}", fmt::format("{:.4f} / {:.1f}", p.metric, p.sqnr_db));
    text += row + "\n";
  }
  if (rep.budget > 0)
    text += fmt::format("suggested: layers={}  ({} of {} {} saved{}; estimated {} {:.4f})\n", rep.suggested_layers,
                        rep.budget, rep.total, rep.saved_unit, rep.budget_met ? "" : ": NOT reachable with these levels",
                        metric, rep.suggested_metric);
  return text;
}

}  // namespace tinyopt::cli
