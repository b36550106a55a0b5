// cli/cmd_distill.cc: `tinyopt distill MODEL --train DATA [--labels Y] [--teacher FILE] -o OUT.tflite [--json]
// [--<distill option> ...]`: knowledge-distillation fine-tuning of a float model (a pruned or clustered one,
// usually), a preset pipeline of the driver (passes/driver.h):
//   dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,distill{...}
// The teacher is the model as given (before the preset's passes) unless --teacher names another. The distill
// pass's options are its flags (cli/pass_flags.h), except teacher and seed, which are --teacher and --seed.
// Progress: one line per epoch on stderr when it is a terminal (or with --progress); with --json, stdout holds
// one JSON line per epoch (schema tinyopt.distill-epoch/1), then the result (tinyopt.distill/1) on one line.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "calibration/progress.h"
#include "cli/commands.h"
#include "cli/pass_flags.h"
#include "passes/driver.h"
#include "passes/instrumentation.h"

namespace tinyopt::cli {
namespace {

struct DistillArgs {
  DriverInputs inputs;
  PassFlags distill;
  bool json = false, progress = false, no_verify_each = false;
};

std::string epoch_line(const std::map<std::string, double>& f) {
  auto has = [&](const char* k) { return f.count(k) > 0; };
  std::string s = fmt::format("epoch {}/{}  step {}/{}  loss {:.4f}", f.at("epoch"), f.at("epochs"), f.at("step"),
                              f.at("steps"), f.at("loss"));
  if (has("sparsity")) s += fmt::format("  sparsity {:.1f}%", 100 * f.at("sparsity"));
  if (has("agreement")) s += fmt::format("  held-out agreement {:.2f}%", 100 * f.at("agreement"));
  if (has("accuracy")) s += fmt::format("  accuracy {:.2f}%", 100 * f.at("accuracy"));
  if (has("mse")) s += fmt::format("  held-out MSE {:.4g}", f.at("mse"));
  s += fmt::format("  lr {:.3g}  {:.1f} s, ETA {:.0f} s\n", f.at("lr"), f.at("seconds"), f.at("eta_seconds"));
  return s;
}

nlohmann::ordered_json figures_json(const std::map<std::string, double>& f) {
  nlohmann::ordered_json j;
  for (const char* k : {"epoch", "step", "steps"})
    if (f.count(k)) j[k] = static_cast<int64_t>(f.at(k));
  for (const char* k : {"loss", "lr", "sparsity", "agreement", "accuracy", "mse", "seconds"})
    if (f.count(k)) j[k] = f.at(k);
  return j;
}

int run_distill(DistillArgs& a, Output& out) {
  const PassRegistry& registry = PassRegistry::builtin();
  Pipeline pipeline = preparation_pipeline(registry);
  Expected<PassSpec> spec = pass_spec_from_flags(*registry.find("distill"), a.distill);
  if (!spec) return out.fail(spec.take_error());
  pipeline.push_back(std::move(*spec));
  if (a.inputs.output.empty()) return out.fail(fail(Errc::BadInput, {.option = "-o"}, "distill needs -o OUT.tflite"));
  if (a.inputs.training.empty())
    return out.fail(fail(Errc::BadInput, {.option = "--train"}, "distill needs training samples: give --train DATA"));

  DriverOptions options;
  options.verify_each = !a.no_verify_each;
  if (!out.json() && spdlog::should_log(spdlog::level::info))
    options.instruments.push_back(std::make_unique<SummaryInstrument>(stderr));
  nlohmann::ordered_json epochs = nlohmann::ordered_json::array();
  const bool lines = !out.json() && (a.progress || stderr_is_terminal());
  options.on_progress = [&](const std::string&, const std::map<std::string, double>& f) {
    if (out.json()) {
      const nlohmann::ordered_json figures = figures_json(f);
      nlohmann::ordered_json j{{"schema", "tinyopt.distill-epoch/1"}};
      for (auto it = figures.begin(); it != figures.end(); ++it) j[it.key()] = it.value();
      out.print(j.dump() + "\n");
      std::fflush(stdout);
      epochs.push_back(figures);
    } else if (lines) {
      const std::string s = epoch_line(f);
      std::fwrite(s.data(), 1, s.size(), stderr);
    }
  };
  Expected<DriverResult> r = run_pipeline(pipeline, a.inputs, std::move(options));
  if (!r) return out.fail(r.take_error());
  const PassResult& d = r->records.back().result;
  if (out.json()) {
    nlohmann::ordered_json j{{"schema", "tinyopt.distill/1"}};
    j["model"] = a.inputs.model;
    j["output"] = a.inputs.output;
    j["pipeline"] = r->pipeline;
    j["summary"] = d.summary;
    j["counters"] = d.counters;
    j["epochs"] = epochs;
    j["notes"] = r->notes;
    out.print(j.dump() + "\n");
    return kExitOk;
  }
  // The distill summary is the SummaryInstrument's line on stderr ("pass distill: ..."): not repeated here.
  out.print(fmt::format("wrote {}\npipeline: {}\n", a.inputs.output, r->pipeline));
  return kExitOk;
}

}  // namespace

CommandRun add_distill(CLI::App& sub) {
  auto a = std::make_shared<DistillArgs>();
  sub.footer(
      "Fine-tunes a float model (the student: usually pruned or clustered) towards a teacher (the model as given, or\n"
      "--teacher FILE) on --train samples: KL at --temperature plus cross-entropy (weight 1 - alpha) with labels, KL\n"
      "alone without, MSE to the teacher for outputs that are not class scores. Pruned zeros stay zero and clustered\n"
      "filters keep their clusters; --prune-granularity element --final-sparsity S prunes gradually while training.\n"
      "Writes a float model (quantize it next). DATA: .npy / .npz (x, optional y) / IDX / image folders.");
  sub.add_option("model", a->inputs.model, "float model (.tflite or .onnx)")->required();
  add_model_read_flags(sub, a->inputs.model_options);
  sub.add_option("-o,--output", a->inputs.output, "output .tflite");
  sub.add_option("--train", a->inputs.training, "training samples (.npy, .npz with x and optional y, IDX, image folder)");
  sub.add_option("--labels", a->inputs.training_labels, "labels of the --train samples (.npy integer vector or IDX)");
  sub.add_option("--num-train", a->inputs.training_max, "use only the first N training samples (0: all)");
  sub.add_option("--teacher", a->inputs.teacher, "teacher model (default: MODEL as given)");
  sub.add_option("--seed", a->inputs.seed, "seed of shuffling and the held-out split (when --seed of the pass is 0)");
  add_pass_flags(sub, *PassRegistry::builtin().find("distill"), a->distill, {"teacher", "seed"});
  sub.add_flag("--progress", a->progress, "print a line per epoch on stderr even when it is not a terminal");
  sub.add_flag("--no-verify-each", a->no_verify_each, "skip the verifier between passes (benchmarks only)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_distill(*a, out);
  };
}

}  // namespace tinyopt::cli
