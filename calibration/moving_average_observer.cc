// calibration/moving_average_observer.cc: moving-average min/max: each sample's min and max pull the running
// values by a constant fraction c (min += c * (sample_min - min)), so rare outliers move the range little.
// Merging two shards takes the count-weighted average of their EMAs: an approximation, since an EMA depends on
// the order of the samples; the calibrator therefore runs this observer on one thread.
#include <algorithm>

#include "calibration/observer.h"

namespace tinyopt {
namespace {

class MovingAverageObserver : public Observer {
 public:
  explicit MovingAverageObserver(const ObserverConfig& c) : Observer(c) {}
  void observe(std::span<const float> v) override {
    if (v.empty()) return;
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (count_ == 0) { min_ = *lo; max_ = *hi; }
    else {
      double k = config_.ema_constant;
      min_ += k * (*lo - min_);
      max_ += k * (*hi - max_);
    }
    ++count_;
  }
  Expected<void> merge(const Observer& other) override {
    auto* o = dynamic_cast<const MovingAverageObserver*>(&other);
    if (!o) return fail(Errc::BadInput, {}, "cannot merge {} statistics into ema", observer_kind_name(other.kind()));
    if (!o->count_) return {};
    double n = static_cast<double>(count_ + o->count_);
    min_ = (min_ * static_cast<double>(count_) + o->min_ * static_cast<double>(o->count_)) / n;
    max_ = (max_ * static_cast<double>(count_) + o->max_ * static_cast<double>(o->count_)) / n;
    count_ += o->count_;
    return {};
  }
  Range range(const RangeRequest& req) const override {
    float lo = static_cast<float>(std::min(min_, 0.0)), hi = static_cast<float>(std::max(max_, 0.0));
    if (req.symmetric) { float m = std::max(-lo, hi); return {-m, m}; }
    return {lo, hi};
  }
  int64_t count() const override { return count_; }
  nlohmann::json to_json() const override { return {{"count", count_}, {"ema_min", min_}, {"ema_max", max_}}; }
  std::unique_ptr<Observer> clone() const override { return std::make_unique<MovingAverageObserver>(*this); }

  double min_ = 0, max_ = 0;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Observer> make_moving_average_observer(const ObserverConfig& c) {
  return std::make_unique<MovingAverageObserver>(c);
}

Expected<std::unique_ptr<Observer>> moving_average_observer_from_json(const nlohmann::json& j, const ObserverConfig& c) {
  auto o = std::make_unique<MovingAverageObserver>(c);
  try {
    o->count_ = j.at("count").get<int64_t>();
    o->min_ = j.at("ema_min").get<double>();
    o->max_ = j.at("ema_max").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad ema statistics: {}", e.what());
  }
  return std::unique_ptr<Observer>(std::move(o));
}

}  // namespace tinyopt
