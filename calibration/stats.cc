// calibration/stats.cc: merging, JSON form and files of CalibrationStats.
#include "calibration/stats.h"

#include "formats/atomic_file.h"

namespace tinyopt {

std::vector<double> ChannelMean::mean() const {
  std::vector<double> m(sum.size(), 0.0);
  if (count > 0)
    for (size_t c = 0; c < sum.size(); ++c) m[c] = sum[c].value() / static_cast<double>(count);
  return m;
}

CalibrationStats CalibrationStats::clone() const {
  CalibrationStats s;
  s.config = config;
  s.samples = samples;
  for (const auto& [k, v] : tensors) s.tensors[k] = v->clone();
  s.channel_means = channel_means;
  return s;
}

Expected<void> CalibrationStats::merge(const CalibrationStats& other) {
  if (other.config.kind != config.kind)
    return fail(Errc::BadInput, {}, "cannot merge {} statistics with {} statistics", observer_kind_name(other.config.kind),
                observer_kind_name(config.kind));
  for (const auto& [name, obs] : other.tensors) {
    auto it = tensors.find(name);
    if (it == tensors.end()) { tensors[name] = obs->clone(); continue; }
    Expected<void> ok = it->second->merge(*obs);
    if (!ok) { Error e = ok.take_error(); e.where.tensor = name; return e; }
  }
  for (const auto& [name, cm] : other.channel_means) {
    ChannelMean& mine = channel_means[name];
    if (mine.sum.empty()) { mine = cm; continue; }
    if (mine.sum.size() != cm.sum.size())
      return fail(Errc::BadInput, {.tensor = name}, "channel means have {} and {} channels", mine.sum.size(), cm.sum.size());
    for (size_t c = 0; c < cm.sum.size(); ++c) mine.sum[c].merge(cm.sum[c]);
    mine.count += cm.count;
  }
  samples += other.samples;
  return {};
}

std::optional<Range> CalibrationStats::range(const std::string& name, const RangeRequest& req) const {
  auto it = tensors.find(name);
  if (it == tensors.end() || it->second->count() == 0) return std::nullopt;
  return it->second->range(req);
}

nlohmann::json CalibrationStats::to_json() const {
  nlohmann::json j;
  j["schema"] = "tinyopt.calibration_stats/1";
  j["observer"] = std::string(observer_kind_name(config.kind));
  j["percentile"] = config.percentile;
  j["ema_constant"] = config.ema_constant;
  j["samples"] = samples;
  nlohmann::json t = nlohmann::json::object();
  for (const auto& [name, obs] : tensors) t[name] = obs->to_json();
  j["tensors"] = t;
  nlohmann::json cm = nlohmann::json::object();
  for (const auto& [name, m] : channel_means) {
    nlohmann::json sums = nlohmann::json::array();
    for (const ExactSum& e : m.sum) sums.push_back(e.to_json());
    cm[name] = {{"sum", sums}, {"count", m.count}};
  }
  j["channel_means"] = cm;
  return j;
}

Expected<CalibrationStats> CalibrationStats::from_json(const nlohmann::json& j) {
  CalibrationStats s;
  try {
    if (j.value("schema", "") != "tinyopt.calibration_stats/1")
      return fail(Errc::BadInput, {}, "not a tinyopt calibration statistics document (schema '{}')", j.value("schema", ""));
    std::string kind = j.at("observer").get<std::string>();
    std::optional<ObserverKind> k = observer_kind_from_name(kind);
    if (!k) return fail(Errc::BadInput, {}, "unknown observer '{}'", kind);
    s.config.kind = *k;
    s.config.percentile = j.value("percentile", 99.99);
    s.config.ema_constant = j.value("ema_constant", 0.01);
    s.samples = j.at("samples").get<int64_t>();
    for (const auto& [name, v] : j.at("tensors").items()) {
      Expected<std::unique_ptr<Observer>> o = observer_from_json(v, s.config);
      if (!o) { Error e = o.take_error(); e.where.tensor = name; return e; }
      s.tensors[name] = std::move(*o);
    }
    if (j.contains("channel_means"))
      for (const auto& [name, v] : j["channel_means"].items()) {
        ChannelMean& m = s.channel_means[name];
        for (const auto& e : v.at("sum")) {
          Expected<ExactSum> sum = ExactSum::from_json(e);
          if (!sum) { Error err = sum.take_error(); err.where.tensor = name; return err; }
          m.sum.push_back(*sum);
        }
        m.count = v.at("count").get<int64_t>();
      }
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad calibration statistics: {}", e.what());
  }
  return s;
}

Expected<void> write_stats(const std::filesystem::path& path, const CalibrationStats& stats) {
  return write_file_atomically(path, stats.to_json().dump());
}

Expected<CalibrationStats> read_stats(const std::filesystem::path& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path, uint64_t{1} << 30);
  if (!bytes) return bytes.take_error();
  nlohmann::json j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded()) return fail(Errc::BadInput, {.file = path.string()}, "not valid JSON");
  Expected<CalibrationStats> s = CalibrationStats::from_json(j);
  if (!s) { Error e = s.take_error(); e.where.file = path.string(); return e; }
  return s;
}

}  // namespace tinyopt
