// calibration/histogram.cc: the power-of-two-range histogram of histogram.h.
#include "calibration/histogram.h"

#include <algorithm>
#include <cmath>

namespace tinyopt {

double Histogram::range() const { return std::ldexp(1.0, log2_range_); }

void Histogram::grow_to(int log2_range) {
  if (bins_.empty()) {
    bins_.assign(kBins, 0);
    log2_range_ = log2_range;
    return;
  }
  while (log2_range_ < log2_range) {
    // New bin j covers old bins 2j - kBins/2 and 2j + 1 - kBins/2 (old [-R, R] is the middle half of [-2R, 2R]).
    std::vector<int64_t> next(kBins, 0);
    for (int i = 0; i < kBins; ++i) next[(i + kBins / 2) / 2] += bins_[static_cast<size_t>(i)];
    bins_ = std::move(next);
    ++log2_range_;
  }
}

void Histogram::add(std::span<const float> values) {
  if (values.empty()) return;
  float lo = values[0], hi = values[0];
  for (float v : values) { lo = std::min(lo, v); hi = std::max(hi, v); }
  float mag = std::max(std::fabs(lo), std::fabs(hi));
  int e = -126;
  if (mag > 0) { std::frexp(mag, &e); }  // mag < 2^e
  e = std::max(e, -126);
  if (bins_.empty() || e > log2_range_) grow_to(bins_.empty() ? e : std::max(e, log2_range_));
  if (count_ == 0) { min_ = lo; max_ = hi; }
  else { min_ = std::min(min_, lo); max_ = std::max(max_, hi); }
  const double r = range(), inv = kBins / (2.0 * r);
  for (float v : values) {
    int b = static_cast<int>((static_cast<double>(v) + r) * inv);
    bins_[static_cast<size_t>(std::clamp(b, 0, kBins - 1))] += 1;
  }
  count_ += static_cast<int64_t>(values.size());
}

void Histogram::merge(const Histogram& other) {
  if (other.empty()) return;
  if (empty()) { *this = other; return; }
  Histogram o = other;
  int r = std::max(log2_range_, o.log2_range_);
  grow_to(r);
  o.grow_to(r);
  for (int i = 0; i < kBins; ++i) bins_[static_cast<size_t>(i)] += o.bins_[static_cast<size_t>(i)];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

double Histogram::quantile(double fraction) const {
  if (empty()) return 0.0;
  double target = fraction * static_cast<double>(count_);
  double acc = 0;
  for (int i = 0; i < kBins; ++i) {
    double n = static_cast<double>(bins_[static_cast<size_t>(i)]);
    if (acc + n >= target && n > 0) {
      double x = -range() + (i + (target - acc) / n) * bin_width();
      return std::clamp(x, static_cast<double>(min_), static_cast<double>(max_));
    }
    acc += n;
  }
  return max_;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json j;
  j["count"] = count_;
  j["min"] = min_;
  j["max"] = max_;
  j["log2_range"] = log2_range_;
  j["bins"] = kBins;
  // Sparse: [[index, count], ...] for non-empty bins.
  nlohmann::json nz = nlohmann::json::array();
  for (int i = 0; i < static_cast<int>(bins_.size()); ++i)
    if (bins_[static_cast<size_t>(i)]) nz.push_back({i, bins_[static_cast<size_t>(i)]});
  j["counts"] = nz;
  return j;
}

Expected<Histogram> Histogram::from_json(const nlohmann::json& j) {
  Histogram h;
  try {
    if (j.at("bins").get<int>() != kBins) return fail(Errc::BadInput, {}, "histogram has {} bins, expected {}", j.at("bins").get<int>(), kBins);
    h.count_ = j.at("count").get<int64_t>();
    h.min_ = j.at("min").get<float>();
    h.max_ = j.at("max").get<float>();
    h.log2_range_ = j.at("log2_range").get<int>();
    if (h.count_ < 0 || h.log2_range_ < -126 || h.log2_range_ > 128)
      return fail(Errc::BadInput, {}, "histogram count or range out of bounds");
    if (h.count_ > 0) h.bins_.assign(kBins, 0);
    int64_t total = 0;
    for (const auto& e : j.at("counts")) {
      int i = e.at(0).get<int>();
      int64_t n = e.at(1).get<int64_t>();
      if (i < 0 || i >= kBins || n < 0 || h.bins_.empty()) return fail(Errc::BadInput, {}, "histogram bin entry out of range");
      h.bins_[static_cast<size_t>(i)] = n;
      total += n;
    }
    if (total != h.count_) return fail(Errc::BadInput, {}, "histogram bins sum to {} but count is {}", total, h.count_);
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad histogram: {}", e.what());
  }
  return h;
}

}  // namespace tinyopt
