// calibration/minmax_observer.cc: the running minimum and maximum of a tensor (TFLite converter's default).
#include <algorithm>

#include "calibration/observer.h"

namespace tinyopt {
namespace {

class MinMaxObserver : public Observer {
 public:
  explicit MinMaxObserver(const ObserverConfig& c) : Observer(c) {}
  void observe(std::span<const float> v) override {
    if (v.empty()) return;
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    min_ = count_ ? std::min(min_, *lo) : *lo;
    max_ = count_ ? std::max(max_, *hi) : *hi;
    ++count_;
  }
  Expected<void> merge(const Observer& other) override {
    auto* o = dynamic_cast<const MinMaxObserver*>(&other);
    if (!o) return fail(Errc::BadInput, {}, "cannot merge {} statistics into minmax", observer_kind_name(other.kind()));
    if (!o->count_) return {};
    min_ = count_ ? std::min(min_, o->min_) : o->min_;
    max_ = count_ ? std::max(max_, o->max_) : o->max_;
    count_ += o->count_;
    return {};
  }
  Range range(const RangeRequest& req) const override {
    float lo = std::min(min_, 0.0f), hi = std::max(max_, 0.0f);
    if (req.symmetric) { float m = std::max(-lo, hi); return {-m, m}; }
    return {lo, hi};
  }
  int64_t count() const override { return count_; }
  nlohmann::json to_json() const override { return {{"count", count_}, {"min", min_}, {"max", max_}}; }
  std::unique_ptr<Observer> clone() const override { return std::make_unique<MinMaxObserver>(*this); }

  float min_ = 0, max_ = 0;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Observer> make_minmax_observer(const ObserverConfig& c) { return std::make_unique<MinMaxObserver>(c); }

Expected<std::unique_ptr<Observer>> minmax_observer_from_json(const nlohmann::json& j, const ObserverConfig& c) {
  auto o = std::make_unique<MinMaxObserver>(c);
  try {
    o->count_ = j.at("count").get<int64_t>();
    o->min_ = j.at("min").get<float>();
    o->max_ = j.at("max").get<float>();
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad minmax statistics: {}", e.what());
  }
  return std::unique_ptr<Observer>(std::move(o));
}

}  // namespace tinyopt
