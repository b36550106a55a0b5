// calibration/observer.cc: observer kind names and the factory that picks the per-kind file.
#include "calibration/observer.h"

namespace tinyopt {

std::string_view observer_kind_name(ObserverKind k) {
  switch (k) {
    case ObserverKind::MinMax: return "minmax";
    case ObserverKind::MovingAverage: return "ema";
    case ObserverKind::Percentile: return "percentile";
    case ObserverKind::Mse: return "mse";
    case ObserverKind::Kl: return "kl";
  }
  return "?";
}

std::optional<ObserverKind> observer_kind_from_name(std::string_view name) {
  for (ObserverKind k : {ObserverKind::MinMax, ObserverKind::MovingAverage, ObserverKind::Percentile,
                         ObserverKind::Mse, ObserverKind::Kl})
    if (observer_kind_name(k) == name) return k;
  return std::nullopt;
}

std::unique_ptr<Observer> make_observer(const ObserverConfig& c) {
  switch (c.kind) {
    case ObserverKind::MinMax: return make_minmax_observer(c);
    case ObserverKind::MovingAverage: return make_moving_average_observer(c);
    case ObserverKind::Percentile: return make_percentile_observer(c);
    case ObserverKind::Mse: case ObserverKind::Kl: return make_histogram_observer(c);
  }
  return make_minmax_observer(c);
}

Expected<std::unique_ptr<Observer>> observer_from_json(const nlohmann::json& j, const ObserverConfig& config) {
  switch (config.kind) {
    case ObserverKind::MinMax: return minmax_observer_from_json(j, config);
    case ObserverKind::MovingAverage: return moving_average_observer_from_json(j, config);
    case ObserverKind::Percentile: return percentile_observer_from_json(j, config);
    case ObserverKind::Mse: case ObserverKind::Kl: return histogram_observer_from_json(j, config);
  }
  return fail(Errc::Internal, {}, "unknown observer kind");
}

}  // namespace tinyopt
