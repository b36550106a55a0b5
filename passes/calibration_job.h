// passes/calibration_job.h: calibration as a step of its own (`tinyopt calibrate`, `quantize --stats`), shardable
// over machines: the model goes through the preparation passes the quantize preset runs before quantizing (so
// that the observed tensors are the ones quantize will see), then shard i/n of the calibration data is observed.
// The result is the statistics (calibration/stats.h) plus what they were computed on: the model's sha256, the
// preparation pipeline in canonical form, the data path and the shard. Shards merge exactly (every observer but
// ema, whose statistics depend on sample order and so cannot be sharded), and `quantize --stats` refuses
// statistics computed on another model or after other preparation passes.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "calibration/stats.h"
#include "formats/dataset/dataset.h"
#include "formats/dataset/shard_spec.h"
#include "passes/pipeline_parser.h"

namespace tinyopt {

inline constexpr const char* kCalibrationJobKey = "computed_on";

// The passes the quantize preset runs before `quantize`: dequantize-hybrid-weights, fold-batchnorm,
// fuse-activations, remove-dead, and cross-layer-equalization when `equalize`.
Pipeline quantize_preparation(bool equalize);

struct CalibrationJob {
  std::string model;          // path as given
  std::string model_sha256;
  std::string pipeline;       // canonical preparation pipeline run before observing
  std::string data;           // calibration data path as given
  int64_t dataset_samples = 0;
  ShardSpec shard;
  CalibrationStats stats;

  // The stats document (tinyopt.calibration_stats/1) with a "computed_on" object holding the rest.
  nlohmann::json to_json() const;
  static Expected<CalibrationJob> from_json(const nlohmann::json& j);
};

struct CalibrationJobInputs {
  std::string model, data;
  DatasetOptions data_options;   // scale, offset, max_samples (num-calib)
  ObserverConfig observer;
  bool equalize = false;
  ShardSpec shard;
  bool progress = false;
  unsigned threads = 0;
};

Expected<CalibrationJob> run_calibration_job(const CalibrationJobInputs& in);
// Errors: parts of other models, pipelines, data or observers; a shard missing or repeated.
Expected<CalibrationJob> merge_calibration_jobs(std::span<const CalibrationJob> parts);
Expected<CalibrationJob> read_calibration_job(const std::filesystem::path& path);

}  // namespace tinyopt
