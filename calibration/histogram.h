// calibration/histogram.h: a histogram of activation values that can be merged exactly.
//
// Bins cover [-R, R] where R is a power of two, kBins bins of width 2R/kBins. When a value beyond R arrives, R
// doubles and each new bin is the sum of two old ones; because the grid at 2R is a coarsening of the grid at R,
// a value ends in the same bin whatever the order of arrival, so histograms of two shards merged (both brought to
// the larger R, then added) equal the histogram of one run over both. Exact min/max are kept beside the bins.
//
// Range selection over a histogram (percentile, MSE-optimal, KL/entropy) lives in range_search.h.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/diagnostic.h"

namespace tinyopt {

class Histogram {
 public:
  static constexpr int kBins = 8192;  // divisible by 4: a doubled range keeps -R/2..R/2 aligned

  void add(std::span<const float> values);
  // Adds `other` into this one (exact; see the file comment).
  void merge(const Histogram& other);

  bool empty() const { return count_ == 0; }
  int64_t count() const { return count_; }
  float min() const { return min_; }
  float max() const { return max_; }
  int log2_range() const { return log2_range_; }
  double range() const;                      // R
  double bin_width() const { return 2.0 * range() / kBins; }
  double bin_center(int i) const { return -range() + (i + 0.5) * bin_width(); }
  const std::vector<int64_t>& bins() const { return bins_; }

  // The value below which `fraction` of the samples lie (linear within a bin), clamped to [min, max].
  double quantile(double fraction) const;

  nlohmann::json to_json() const;
  static Expected<Histogram> from_json(const nlohmann::json& j);
  bool operator==(const Histogram&) const = default;

 private:
  void grow_to(int log2_range);
  std::vector<int64_t> bins_;  // empty until the first value
  int log2_range_ = -126;      // R = 2^log2_range_
  int64_t count_ = 0;
  float min_ = 0, max_ = 0;
};

}  // namespace tinyopt
