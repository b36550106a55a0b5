// calibration/stats.h: the statistics of one calibration run: one Observer per float activation tensor (keyed by
// tensor name), plus per-channel means of selected tensors (the inputs of conv/FC ops, which empirical bias
// correction needs). Serialisable to JSON and mergeable: two shards merged equal one run over both (exactly for
// every observer but ema, see observer.h; channel means exactly too).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/observer.h"
#include "ir/exact_sum.h"

namespace tinyopt {

// Sum over samples and positions of a tensor's values per channel (its last axis). The sums are exact
// (ir/exact_sum.h), so the means do not depend on the thread count or on how shards were split.
struct ChannelMean {
  std::vector<ExactSum> sum;
  int64_t count = 0;  // values per channel summed
  std::vector<double> mean() const;
  bool operator==(const ChannelMean&) const = default;
};

struct CalibrationStats {
  ObserverConfig config;
  int64_t samples = 0;
  std::map<std::string, std::unique_ptr<Observer>> tensors;
  std::map<std::string, ChannelMean> channel_means;

  CalibrationStats() = default;
  CalibrationStats(CalibrationStats&&) = default;
  CalibrationStats& operator=(CalibrationStats&&) = default;
  CalibrationStats clone() const;

  // Adds `other` (same observer kind; an error naming both otherwise).
  Expected<void> merge(const CalibrationStats& other);
  // The observer's range for tensor `name`, or nullopt when the tensor was not observed.
  std::optional<Range> range(const std::string& name, const RangeRequest& req) const;

  nlohmann::json to_json() const;  // {"schema": "tinyopt.calibration_stats/1", "observer": ..., "tensors": {...}}
  static Expected<CalibrationStats> from_json(const nlohmann::json& j);
};

Expected<void> write_stats(const std::filesystem::path& path, const CalibrationStats& stats);
Expected<CalibrationStats> read_stats(const std::filesystem::path& path);

}  // namespace tinyopt
