// cli/cmd_optimize.cc: `tinyopt optimize MODEL -p "PIPELINE" | --config FILE.json [--calib DATA] [--train DATA]
// [--teacher FILE] [--target T] [--stats FILE] [--seed S] -o OUT.tflite [--report R.json] [--json]
// [--print-config]`: any pipeline of registered passes (tinyopt passes), the preset-free front of the driver
// (passes/driver.h). After each pass a summary line: time, parameters, MACs, zero weights, file size and, with
// data, fidelity against the input model (passes/optimize_summary.h). The output carries provenance metadata
// (tool version, canonical pipeline, seed, sha256 of the model and data) and no timestamp: reruns are identical.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "calibration/calibration_data.h"
#include "calibration/progress.h"
#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "formats/model_reader.h"
#include "formats/tflite/reader.h"
#include "passes/driver.h"
#include "passes/optimize_summary.h"
#include "passes/pipeline_config.h"
#include "reports/render.h"
#include "reports/report.h"

namespace tinyopt::cli {
namespace {

namespace fs = std::filesystem;

struct OptimizeArgs {
  DriverInputs inputs;
  std::string pipeline, config, report;
  size_t fidelity_samples = 16;
  bool print_config = false, json = false;
};


Expected<Pipeline> pipeline_of(const OptimizeArgs& a) {
  if (a.pipeline.empty() == a.config.empty())
    return fail(Errc::BadInput, {.option = "-p"}, "give the pipeline with -p \"PASS,PASS{{OPTION=VALUE}}\" or --config FILE.json (one of them)");
  if (!a.pipeline.empty()) return parse_pipeline(a.pipeline);
  if (std::error_code ec; !fs::exists(a.config, ec)) return fail(Errc::BadInput, {.file = a.config, .option = "--config"}, "no such file");
  Expected<std::vector<uint8_t>> bytes = read_file(a.config, 1 << 24);
  if (!bytes) return bytes.take_error();
  nlohmann::json j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded()) return fail(Errc::BadInput, {.file = a.config, .option = "--config"}, "not valid JSON");
  Expected<Pipeline> p = pipeline_from_config(j);
  if (!p) { Error e = p.take_error(); e.where.file = a.config; return e; }
  return p;
}

int run_optimize(OptimizeArgs& a, Output& out) {
  Expected<Pipeline> pipeline = pipeline_of(a);
  if (!pipeline) return out.fail(pipeline.take_error());
  if (a.print_config) {
    out.print(pipeline_to_config(*pipeline).dump(2) + "\n");
    return kExitOk;
  }
  if (a.inputs.output.empty()) return out.fail(fail(Errc::BadInput, {.option = "-o"}, "-o OUT.tflite is required"));
  if (!a.report.empty() && a.inputs.target.empty())
    return out.fail(fail(Errc::BadInput, {.option = "--report"}, "needs --target T (the board to report on)"));
  for (const PassSpec& s : *pipeline)  // the calibration loader reads only what quantize will use
    if (auto it = s.options.find("num-calib"); it != s.options.end()) a.inputs.calibration_options.max_samples = std::stoull(it->second);
  a.inputs.targets_dir = find_targets_dir(self_executable());

  // Fidelity samples: the last N samples of --calib (or --train), which the input model and each pass's result run.
  std::optional<Dataset> samples;
  const std::string& data = !a.inputs.calibration.empty() ? a.inputs.calibration : a.inputs.training;
  if (!data.empty() && a.fidelity_samples > 0 && fs::exists(data)) {
    Expected<Graph> g = read_model_file(a.inputs.model, a.inputs.model_options);
    if (!g) return out.fail(g.take_error());
    DatasetOptions o = a.inputs.calibration_options;
    o.max_samples = 0;
    o.inputs = input_specs(*g);
    Expected<Dataset> d = open_dataset(data, o);
    if (!d) return out.fail(d.take_error());
    const size_t n = std::min(a.fidelity_samples, d->size());
    samples = d->slice(d->size() - n, n);
    a.inputs.hold_out = n;  // withheld from calibration / training when the data holds at least 2n samples
  }
  std::vector<PassFigures> figures;
  DriverOptions options;
  options.progress = !out.json() && stderr_is_terminal();
  const bool print = !out.json() && spdlog::should_log(spdlog::level::info);
  options.instruments.push_back(std::make_unique<OptimizeSummaryInstrument>(print ? stderr : nullptr,
                                                                            samples ? &*samples : nullptr, &figures));
  Expected<DriverResult> r = run_pipeline(*pipeline, a.inputs, std::move(options));
  if (!r) return out.fail(r.take_error());

  std::optional<Report> report;
  if (!a.report.empty()) {
    Expected<Target> t = resolve_target(a.inputs.target, a.inputs.targets_dir);
    if (!t) return out.fail(t.take_error());
    const Target target = *t;
    std::error_code ec;
    Expected<Report> rep = build_report(r->graph, a.inputs.output, static_cast<int64_t>(fs::file_size(a.inputs.output, ec)),
                                        std::span(&target, 1));
    if (!rep) return out.fail(rep.take_error());
    if (Expected<void> ok = write_file_atomically(a.report, render_json(*rep)); !ok) return out.fail(ok.take_error());
    report = std::move(*rep);
  }

  if (out.json()) {
    nlohmann::ordered_json passes = nlohmann::ordered_json::array();
    for (size_t i = 0; i < r->records.size(); ++i) {
      const PassRunRecord& rec = r->records[i];
      nlohmann::ordered_json p = {{"pass", rec.pass}, {"changed", rec.result.changed}, {"summary", rec.result.summary},
                                  {"counters", rec.result.counters}, {"notes", rec.result.notes}, {"seconds", rec.seconds}};
      if (i < figures.size()) {
        const PassFigures& f = figures[i];
        p["parameters"] = f.model.parameters;
        p["macs"] = f.model.macs;
        p["weights"] = f.model.weights;
        p["zero_weights"] = f.model.zero_weights;
        p["file_bytes"] = f.model.file_bytes;
        p["fidelity"] = f.sqnr_db ? nlohmann::ordered_json{{"samples", samples->size()}, {"held_out", r->held_out},
                                                          {"sqnr_db", std::isfinite(*f.sqnr_db) ? nlohmann::ordered_json(*f.sqnr_db) : nlohmann::ordered_json()},
                                                          {"top1_agreement", f.top1_agreement ? nlohmann::ordered_json(*f.top1_agreement) : nlohmann::ordered_json()}}
                                  : nlohmann::ordered_json();
      }
      passes.push_back(p);
    }
    out.emit_json("optimize", 1, {{"model", a.inputs.model}, {"output", a.inputs.output}, {"pipeline", r->pipeline},
                                  {"seed", a.inputs.seed}, {"passes", passes}, {"notes", r->notes},
                                  {"provenance", nlohmann::ordered_json::parse(r->provenance)},
                                  {"report", a.report.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(a.report)}});
  } else {
    if (samples)
      out.print(r->held_out ? fmt::format("fidelity: on the last {} samples of {}, held out from the passes\n", samples->size(), data)
                            : fmt::format("fidelity: on the last {} samples of {}, which the passes also used (fewer than {} samples: "
                                          "nothing held out)\n", samples->size(), data, 2 * samples->size()));
    out.print(fmt::format("wrote {} ({} ops)\npipeline: {}\n", a.inputs.output, r->graph.ops.size(), r->pipeline));
    if (report) out.print(fmt::format("report: {} ({}: {})\n", a.report, report->targets[0].target.name,
                                      report->targets[0].fits ? "fits" : "does not fit"));
  }
  return kExitOk;
}

}  // namespace

CommandRun add_optimize(CLI::App& sub) {
  auto a = std::make_shared<OptimizeArgs>();
  sub.footer("PIPELINE: passes separated by commas, options in braces, e.g. \"fold-batchnorm,quantize{observer=mse}\";\n"
             "`tinyopt passes` lists every pass and option. Each pass's inputs are loaded only when it needs them.\n"
             "Fidelity figures: the last --fidelity-samples samples of --calib (else --train), held out from the passes\n"
             "when the data holds at least twice as many.");
  sub.add_option("model", a->inputs.model, "the input model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, a->inputs.model_options);
  CLI::Option* p = sub.add_option("-p,--pipeline", a->pipeline, "the pass pipeline (text)");
  sub.add_option("--config", a->config, "the pass pipeline as JSON: [{\"pass\": ..., \"options\": {...}}, ...]")->excludes(p);
  sub.add_flag("--print-config", a->print_config, "print the pipeline as a JSON config (every option) and exit");
  sub.add_option("--calib", a->inputs.calibration, "calibration samples (passes that calibrate: quantize)");
  sub.add_option("--stats", a->inputs.stats, "precomputed statistics from tinyopt calibrate (instead of --calib)");
  sub.add_option("--train", a->inputs.training, "training samples (passes that train: distill; labels optional)");
  sub.add_option("--labels", a->inputs.training_labels, "labels of the --train samples (.npy or IDX)");
  sub.add_option("--num-train", a->inputs.training_max, "use only the first N samples of --train (0: all)");
  sub.add_option("--teacher", a->inputs.teacher, "teacher model for distillation (default: the input model)");
  sub.add_option("--target", a->inputs.target, "target board (passes that optimize for one; --report)");
  sub.add_option("--seed", a->inputs.seed, "random seed of the passes (default 0)");
  sub.add_option("-o,--output", a->inputs.output, "output .tflite");
  sub.add_option("--report", a->report, "also write the resource report for --target as JSON");
  sub.add_option("--fidelity-samples", a->fidelity_samples, "samples for the per-pass fidelity figures (default 16, 0: none)");
  sub.add_option("--scale", a->inputs.calibration_options.scale, "integer data: value * scale + offset (pixels default 1/255)");
  sub.add_option("--offset", a->inputs.calibration_options.offset, "integer data: value * scale + offset (default 0)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_optimize(*a, out);
  };
}

}  // namespace tinyopt::cli
