// cli/cmd_calibrate.cc: `tinyopt calibrate MODEL --calib DATA -o stats.json [--shard i/n] [--observer K]`:
// calibration as a separate, shardable step. The model goes through the quantize preset's preparation passes,
// then the activations of (shard i/n of) the data are observed; `quantize --stats stats.json` uses the result,
// `tinyopt merge` combines shards. The work is passes/calibration_job.h.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "calibration/progress.h"
#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "passes/calibration_job.h"

namespace tinyopt::cli {
namespace {

struct CalibrateArgs {
  CalibrationJobInputs in;
  std::string observer = "minmax", shard, output;
  double percentile = 99.99;
  size_t num_calib = 0;
  bool json = false;
};

int run_calibrate(CalibrateArgs& a, Output& out) {
  a.in.observer.kind = *observer_kind_from_name(a.observer);  // CLI11 checked the name
  a.in.observer.percentile = a.percentile;
  a.in.data_options.max_samples = a.num_calib;
  if (!a.shard.empty()) {
    Expected<ShardSpec> spec = parse_shard_spec(a.shard);
    if (!spec) return out.fail(spec.take_error());
    a.in.shard = *spec;
  }
  a.in.progress = !out.json() && stderr_is_terminal();
  Expected<CalibrationJob> job = run_calibration_job(a.in);
  if (!job) return out.fail(job.take_error());
  if (Expected<void> ok = write_file_atomically(a.output, job->to_json().dump() + "\n"); !ok) return out.fail(ok.take_error());
  if (out.json()) {
    out.emit_json("calibrate", 1, {{"model", job->model}, {"output", a.output}, {"observer", a.observer},
                                   {"pipeline", job->pipeline}, {"shard", {{"index", job->shard.index}, {"count", job->shard.count}}},
                                   {"samples", job->stats.samples}, {"dataset_samples", job->dataset_samples},
                                   {"tensors", job->stats.tensors.size()}});
  } else {
    out.print(fmt::format("wrote {}: {} tensors observed ({}) over {} of {} samples{}\nafter: {}\n", a.output,
                          job->stats.tensors.size(), a.observer, job->stats.samples, job->dataset_samples,
                          job->shard.count > 1 ? fmt::format(" (shard {}/{})", job->shard.index, job->shard.count) : "",
                          job->pipeline));
  }
  return kExitOk;
}

}  // namespace

CommandRun add_calibrate(CLI::App& sub) {
  auto a = std::make_shared<CalibrateArgs>();
  sub.footer("Runs the preparation passes of `quantize` (dequantize-hybrid-weights, fold-batchnorm, fuse-activations,\n"
             "remove-dead[, cross-layer-equalization]) and observes every float activation over the data. Use the file\n"
             "with `quantize --stats FILE` (same --equalize and --observer). With --shard i/n only the i-th of n\n"
             "contiguous parts of the data is observed; `tinyopt merge` combines the parts exactly.");
  sub.add_option("model", a->in.model, "float model (.tflite or .onnx, told apart by content)")->required();
  sub.add_option("--calib", a->in.data, "calibration data (.npy, folder of .npy or images, IDX file)")->required();
  sub.add_option("-o,--output", a->output, "statistics file (.json)")->required();
  std::vector<std::string> kinds;
  for (ObserverKind k : kObserverKinds) kinds.emplace_back(observer_kind_name(k));
  sub.add_option("--observer", a->observer, "minmax|ema|percentile|mse|kl (default minmax)")->check(CLI::IsMember(kinds));
  sub.add_option("--percentile", a->percentile, "percentile observer: the percentile kept (default 99.99)")
      ->check(CLI::Range(50.0, 100.0));
  sub.add_option("--num-calib", a->num_calib, "use the first N samples (default all)");
  sub.add_flag("--equalize", a->in.equalize, "cross-layer equalization first (then quantize --stats needs --equalize too)");
  sub.add_option("--shard", a->shard, "observe shard i of n (0-based), for tinyopt merge");
  sub.add_option("--threads", a->in.threads, "threads (default: every core, at most 8)");
  sub.add_option("--scale", a->in.data_options.scale, "integer data: value * scale + offset (pixels default 1/255)");
  sub.add_option("--offset", a->in.data_options.offset, "integer data: value * scale + offset (default 0)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_calibrate(*a, out);
  };
}

}  // namespace tinyopt::cli
