// calibration/observer.h: an Observer watches the values of one float tensor over the calibration samples and
// proposes a quantization range. Observers are serialisable (JSON) and mergeable, so calibration can run in
// shards (threads, machines) whose statistics are combined afterwards.
//
// Kinds, one file each:
//   minmax      calibration/minmax_observer.cc          running min and max (exact merge)
//   ema         calibration/moving_average_observer.cc  moving-average min/max per sample (merge: count-weighted
//                                                       average, approximate by nature: the EMA depends on order)
//   percentile  calibration/percentile_observer.cc      histogram, range = percentiles (exact merge)
//   mse, kl     calibration/histogram_observer.cc       histogram, MSE-optimal or KL-optimal range (exact merge)
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "calibration/range_search.h"
#include "ir/diagnostic.h"

namespace tinyopt {

enum class ObserverKind { MinMax, MovingAverage, Percentile, Mse, Kl };
inline constexpr ObserverKind kObserverKinds[] = {ObserverKind::MinMax, ObserverKind::MovingAverage,
                                                  ObserverKind::Percentile, ObserverKind::Mse, ObserverKind::Kl};

// "minmax", "ema", "percentile", "mse", "kl"
std::string_view observer_kind_name(ObserverKind k);
std::optional<ObserverKind> observer_kind_from_name(std::string_view name);

struct ObserverConfig {
  ObserverKind kind = ObserverKind::MinMax;
  double percentile = 99.99;   // percentile observer
  double ema_constant = 0.01;  // moving-average observer: weight of each new sample
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Values of the tensor in one sample.
  virtual void observe(std::span<const float> values) = 0;
  // Adds another observer's statistics (same kind; an error otherwise).
  virtual Expected<void> merge(const Observer& other) = 0;
  // The proposed range; always includes 0. An observer that saw nothing gives [0, 0].
  virtual Range range(const RangeRequest& req) const = 0;
  virtual int64_t count() const = 0;  // samples observed
  virtual nlohmann::json to_json() const = 0;
  virtual std::unique_ptr<Observer> clone() const = 0;
  ObserverKind kind() const { return config_.kind; }
  const ObserverConfig& config() const { return config_; }

 protected:
  explicit Observer(ObserverConfig c) : config_(c) {}
  ObserverConfig config_;
};

std::unique_ptr<Observer> make_observer(const ObserverConfig& config);
// Reads what to_json wrote ({"kind": ..., ...}).
Expected<std::unique_ptr<Observer>> observer_from_json(const nlohmann::json& j, const ObserverConfig& config);

// The per-kind constructors and readers (one file each).
std::unique_ptr<Observer> make_minmax_observer(const ObserverConfig& c);
std::unique_ptr<Observer> make_moving_average_observer(const ObserverConfig& c);
std::unique_ptr<Observer> make_percentile_observer(const ObserverConfig& c);
std::unique_ptr<Observer> make_histogram_observer(const ObserverConfig& c);  // mse and kl
Expected<std::unique_ptr<Observer>> minmax_observer_from_json(const nlohmann::json& j, const ObserverConfig& c);
Expected<std::unique_ptr<Observer>> moving_average_observer_from_json(const nlohmann::json& j, const ObserverConfig& c);
Expected<std::unique_ptr<Observer>> percentile_observer_from_json(const nlohmann::json& j, const ObserverConfig& c);
Expected<std::unique_ptr<Observer>> histogram_observer_from_json(const nlohmann::json& j, const ObserverConfig& c);

}  // namespace tinyopt
