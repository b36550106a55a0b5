// passes/calibration_job.cc: calibration as its own shardable step (calibration_job.h).
#include "passes/calibration_job.h"

#include "calibration/calibrate.h"
#include "calibration/calibration_data.h"
#include "formats/atomic_file.h"
#include "formats/sha256.h"
#include "formats/model_reader.h"
#include "formats/tflite/reader.h"
#include "ir/op_traits.h"
#include "passes/driver.h"
#include "passes/pass_manager.h"

namespace tinyopt {

Pipeline quantize_preparation(bool equalize) {
  const PassRegistry& registry = PassRegistry::builtin();
  Pipeline p = preparation_pipeline(registry);
  if (equalize) p.push_back(registry.find("cross-layer-equalization")->default_spec());
  return p;
}

nlohmann::json CalibrationJob::to_json() const {
  nlohmann::json j = stats.to_json();
  j[kCalibrationJobKey] = {{"model", model},      {"model_sha256", model_sha256},       {"pipeline", pipeline},
                           {"data", data},        {"dataset_samples", dataset_samples},
                           {"shard", {{"index", shard.index}, {"count", shard.count}}}};
  return j;
}

Expected<CalibrationJob> CalibrationJob::from_json(const nlohmann::json& j) {
  Expected<CalibrationStats> stats = CalibrationStats::from_json(j);
  if (!stats) return stats.take_error();
  CalibrationJob job;
  job.stats = std::move(*stats);
  try {
    const nlohmann::json& on = j.at(kCalibrationJobKey);
    job.model = on.at("model").get<std::string>();
    job.model_sha256 = on.at("model_sha256").get<std::string>();
    job.pipeline = on.at("pipeline").get<std::string>();
    job.data = on.at("data").get<std::string>();
    job.dataset_samples = on.at("dataset_samples").get<int64_t>();
    job.shard = {on.at("shard").at("index").get<size_t>(), on.at("shard").at("count").get<size_t>()};
    if (job.shard.count == 0 || job.shard.index >= job.shard.count)
      return fail(Errc::BadInput, {}, "shard {}/{} is not a shard", job.shard.index, job.shard.count);
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "not statistics written by tinyopt calibrate ({}): {}", kCalibrationJobKey, e.what());
  }
  return job;
}

Expected<CalibrationJob> read_calibration_job(const std::filesystem::path& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path, uint64_t{1} << 30);
  if (!bytes) return bytes.take_error();
  nlohmann::json j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded()) return fail(Errc::BadInput, {.file = path.string()}, "not valid JSON");
  Expected<CalibrationJob> job = CalibrationJob::from_json(j);
  if (!job) { Error e = job.take_error(); e.where.file = path.string(); return e; }
  return job;
}

Expected<CalibrationJob> run_calibration_job(const CalibrationJobInputs& in) {
  if (in.shard.count > 1 && in.observer.kind == ObserverKind::MovingAverage)
    return fail(Errc::BadInput, {.option = "--shard"},
                "the ema observer depends on the order of all samples, so its shards cannot be merged exactly; use "
                "minmax, percentile, mse or kl, or run ema unsharded");
  if (std::error_code ec; !std::filesystem::exists(in.model, ec))
    return fail(Errc::BadInput, {.file = in.model}, "no such file");
  Expected<Graph> g = read_model_file(in.model);
  if (!g) return g.take_error();
  CalibrationJob job;
  job.model = in.model;
  job.data = in.data;
  job.shard = in.shard;
  Expected<std::string> digest = sha256_file(in.model);
  if (!digest) return digest.take_error();
  job.model_sha256 = *digest;

  const Pipeline prep = quantize_preparation(in.equalize);
  job.pipeline = print_pipeline(prep);
  Expected<PassManager> pm = PassManager::from_pipeline(prep);
  if (!pm) return pm.take_error();
  PassContext ctx;
  if (Expected<void> ok = pm->run(*g, ctx); !ok) return ok.take_error();

  if (std::error_code ec; !std::filesystem::exists(in.data, ec))
    return fail(Errc::BadInput, {.file = in.data, .option = "--calib"}, "no such file or folder");
  Expected<Dataset> data = open_calibration_data(in.data, *g, in.data_options);
  if (!data) return data.take_error();
  job.dataset_samples = static_cast<int64_t>(data->size());
  const Dataset shard = data->shard(in.shard.index, in.shard.count);
  CalibrationOptions co;
  co.observer = in.observer;
  co.progress = in.progress;
  co.threads = in.threads;
  // Per-channel input means of every weighted op, for quantize's bias correction (passes/bias_correction.h).
  for (const Op& op : g->ops)
    if (weight_channel_axis(op.kind) >= 0) co.channel_mean_tensors.push_back(op.inputs[0]);
  if (shard.empty()) {
    job.stats.config = in.observer;  // an empty shard (more shards than samples) adds nothing
    return job;
  }
  Expected<CalibrationStats> stats = calibrate(*g, shard, co);
  if (!stats) return stats.take_error();
  job.stats = std::move(*stats);
  return job;
}

Expected<CalibrationJob> merge_calibration_jobs(std::span<const CalibrationJob> parts) {
  if (parts.empty()) return fail(Errc::BadInput, {}, "no parts to merge");
  const CalibrationJob& first = parts[0];
  CalibrationJob sum;
  sum.model = first.model;
  sum.model_sha256 = first.model_sha256;
  sum.pipeline = first.pipeline;
  sum.data = first.data;
  sum.dataset_samples = first.dataset_samples;
  sum.stats.config = first.stats.config;
  std::vector<int> seen(first.shard.count, 0);
  for (size_t p = 0; p < parts.size(); ++p) {
    const CalibrationJob& t = parts[p];
    auto differs = [&](const char* what) {
      return fail(Errc::BadInput, {}, "part {} (shard {}/{}) has another {} than part 0", p, t.shard.index, t.shard.count, what);
    };
    if (t.model_sha256 != first.model_sha256) return differs("model");
    if (t.pipeline != first.pipeline) return differs("preparation pipeline");
    if (t.data != first.data || t.dataset_samples != first.dataset_samples) return differs("dataset");
    if (t.shard.count != first.shard.count) return differs("shard count");
    if (t.stats.config.kind != first.stats.config.kind || t.stats.config.percentile != first.stats.config.percentile)
      return differs("observer");
    if (t.stats.config.kind == ObserverKind::MovingAverage && t.shard.count > 1)
      return fail(Errc::BadInput, {}, "ema statistics cannot be merged exactly (they depend on sample order)");
    if (seen[t.shard.index]++) return fail(Errc::BadInput, {}, "shard {}/{} is given twice", t.shard.index, t.shard.count);
    if (Expected<void> ok = sum.stats.merge(t.stats); !ok) return ok.take_error();
  }
  std::string missing;
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(seen.size());
  if (!missing.empty()) return fail(Errc::BadInput, {}, "shard(s) missing: {}", missing);
  sum.shard = {0, 1};
  return sum;
}

}  // namespace tinyopt
