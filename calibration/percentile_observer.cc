// calibration/percentile_observer.cc: a histogram of the tensor; the range is its (100-p)% and p% quantiles,
// so the rarest 2 x (100-p)% of values are clipped.
#include "calibration/observer.h"

namespace tinyopt {
namespace {

class PercentileObserver : public Observer {
 public:
  explicit PercentileObserver(const ObserverConfig& c) : Observer(c) {}
  void observe(std::span<const float> v) override { if (!v.empty()) { h_.add(v); ++count_; } }
  Expected<void> merge(const Observer& other) override {
    auto* o = dynamic_cast<const PercentileObserver*>(&other);
    if (!o) return fail(Errc::BadInput, {}, "cannot merge {} statistics into percentile", observer_kind_name(other.kind()));
    h_.merge(o->h_);
    count_ += o->count_;
    return {};
  }
  Range range(const RangeRequest& req) const override { return percentile_range(h_, config_.percentile, req); }
  int64_t count() const override { return count_; }
  nlohmann::json to_json() const override { return {{"count", count_}, {"histogram", h_.to_json()}}; }
  std::unique_ptr<Observer> clone() const override { return std::make_unique<PercentileObserver>(*this); }

  Histogram h_;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Observer> make_percentile_observer(const ObserverConfig& c) { return std::make_unique<PercentileObserver>(c); }

Expected<std::unique_ptr<Observer>> percentile_observer_from_json(const nlohmann::json& j, const ObserverConfig& c) {
  auto o = std::make_unique<PercentileObserver>(c);
  if (!j.contains("histogram") || !j.contains("count")) return fail(Errc::BadInput, {}, "percentile statistics lack 'histogram' or 'count'");
  Expected<Histogram> h = Histogram::from_json(j["histogram"]);
  if (!h) return h.take_error();
  o->h_ = std::move(*h);
  o->count_ = j["count"].is_number_integer() ? j["count"].get<int64_t>() : 0;
  return std::unique_ptr<Observer>(std::move(o));
}

}  // namespace tinyopt
