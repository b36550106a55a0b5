// calibration/histogram_observer.cc: a histogram of the tensor with a range chosen to minimise the expected
// squared quantization error (`mse`) or the KL divergence between the value distribution and its quantized
// form (`kl`, TensorRT-style entropy calibration); see range_search.h for both searches.
#include "calibration/observer.h"

namespace tinyopt {
namespace {

class HistogramObserver : public Observer {
 public:
  explicit HistogramObserver(const ObserverConfig& c) : Observer(c) {}
  void observe(std::span<const float> v) override { if (!v.empty()) { h_.add(v); ++count_; } }
  Expected<void> merge(const Observer& other) override {
    auto* o = dynamic_cast<const HistogramObserver*>(&other);
    if (!o || o->kind() != kind())
      return fail(Errc::BadInput, {}, "cannot merge {} statistics into {}", observer_kind_name(other.kind()), observer_kind_name(kind()));
    h_.merge(o->h_);
    count_ += o->count_;
    return {};
  }
  Range range(const RangeRequest& req) const override {
    return kind() == ObserverKind::Kl ? kl_range(h_, req) : mse_range(h_, req);
  }
  int64_t count() const override { return count_; }
  nlohmann::json to_json() const override { return {{"count", count_}, {"histogram", h_.to_json()}}; }
  std::unique_ptr<Observer> clone() const override { return std::make_unique<HistogramObserver>(*this); }

  Histogram h_;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Observer> make_histogram_observer(const ObserverConfig& c) { return std::make_unique<HistogramObserver>(c); }

Expected<std::unique_ptr<Observer>> histogram_observer_from_json(const nlohmann::json& j, const ObserverConfig& c) {
  auto o = std::make_unique<HistogramObserver>(c);
  if (!j.contains("histogram") || !j.contains("count")) return fail(Errc::BadInput, {}, "histogram statistics lack 'histogram' or 'count'");
  Expected<Histogram> h = Histogram::from_json(j["histogram"]);
  if (!h) return h.take_error();
  o->h_ = std::move(*h);
  o->count_ = j["count"].is_number_integer() ? j["count"].get<int64_t>() : 0;
  return std::unique_ptr<Observer>(std::move(o));
}

}  // namespace tinyopt
