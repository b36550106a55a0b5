// passes/prune_sensitivity_json.cc: the part file of a sharded `prune --analyze` (tinyopt.prune-analyze-part/1),
// written by a shard and read by `tinyopt merge`. Every double is kept exactly: JSON numbers print the shortest
// text that reads back to the same double, and the non-finite ones (an SQNR of +inf when pruning a layer changed
// nothing) are written as the strings "inf", "-inf", "nan".
#include <cmath>
#include <limits>

#include "passes/prune_sensitivity.h"

namespace tinyopt {
namespace {

nlohmann::ordered_json exact(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

Expected<double> read_exact(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return fail(Errc::BadInput, {}, "'{}' is missing", key);
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  return fail(Errc::BadInput, {}, "'{}' is not a number", key);
}

template <class T>
Expected<T> read_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return fail(Errc::BadInput, {}, "'{}' is missing", key);
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return fail(Errc::BadInput, {}, "'{}' has the wrong type", key);
  }
}

}  // namespace

nlohmann::ordered_json SensitivityReport::to_part_json() const {
  nlohmann::ordered_json j;
  j["schema"] = kSensitivityPartSchema;
  j["identity"] = identity;
  j["shard"] = {{"index", shard.index}, {"count", shard.count}};
  j["labelled"] = labelled;
  j["baseline"] = exact(baseline);
  j["samples"] = samples;
  j["saved_unit"] = saved_unit;
  j["total"] = total;
  j["budget"] = budget;
  nlohmann::ordered_json ls = nlohmann::ordered_json::array();
  for (const LayerSensitivity& l : layers) {
    nlohmann::ordered_json pts = nlohmann::ordered_json::array();
    for (const SensitivityPoint& p : l.points)
      pts.push_back({{"level", exact(p.level)}, {"metric", exact(p.metric)}, {"sqnr_db", exact(p.sqnr_db)}, {"saved", p.saved}});
    ls.push_back({{"op", l.op}, {"name", l.name}, {"weights", l.weights}, {"points", pts}});
  }
  j["layers"] = ls;
  return j;
}

Expected<SensitivityReport> SensitivityReport::from_part_json(const nlohmann::json& j) {
  if (j.value("schema", "") != kSensitivityPartSchema)
    return fail(Errc::BadInput, {}, "not a {} document", kSensitivityPartSchema);
  SensitivityReport r;
  if (!j.contains("identity") || !j["identity"].is_object()) return fail(Errc::BadInput, {}, "'identity' is missing");
  r.identity = nlohmann::ordered_json(j["identity"]);
  if (!j.contains("shard") || !j["shard"].is_object()) return fail(Errc::BadInput, {}, "'shard' is missing");
  Expected<size_t> index = read_field<size_t>(j["shard"], "index"), count = read_field<size_t>(j["shard"], "count");
  if (!index) return index.take_error();
  if (!count) return count.take_error();
  if (*count == 0 || *index >= *count) return fail(Errc::BadInput, {}, "shard {}/{} is not a shard", *index, *count);
  r.shard = {*index, *count};
  Expected<bool> labelled = read_field<bool>(j, "labelled");
  Expected<double> baseline = read_exact(j, "baseline");
  Expected<size_t> samples = read_field<size_t>(j, "samples");
  Expected<std::string> unit = read_field<std::string>(j, "saved_unit");
  Expected<int64_t> total = read_field<int64_t>(j, "total"), budget = read_field<int64_t>(j, "budget");
  if (!labelled) return labelled.take_error();
  if (!baseline) return baseline.take_error();
  if (!samples) return samples.take_error();
  if (!unit) return unit.take_error();
  if (!total) return total.take_error();
  if (!budget) return budget.take_error();
  r.labelled = *labelled, r.baseline = *baseline, r.samples = *samples, r.saved_unit = *unit, r.total = *total,
  r.budget = *budget;
  if (!j.contains("layers") || !j["layers"].is_array()) return fail(Errc::BadInput, {}, "'layers' is missing");
  for (const nlohmann::json& l : j["layers"]) {
    if (!l.is_object() || !l.contains("points") || !l["points"].is_array())
      return fail(Errc::BadInput, {}, "a layer without 'points'");
    Expected<int> op = read_field<int>(l, "op");
    Expected<std::string> name = read_field<std::string>(l, "name");
    Expected<int64_t> weights = read_field<int64_t>(l, "weights");
    if (!op) return op.take_error();
    if (!name) return name.take_error();
    if (!weights) return weights.take_error();
    LayerSensitivity ls{*op, *name, *weights, {}, 0};
    for (const nlohmann::json& p : l["points"]) {
      if (!p.is_object()) return fail(Errc::BadInput, {}, "layer #{}: a point is not an object", *op);
      Expected<double> level = read_exact(p, "level"), metric = read_exact(p, "metric"), sqnr = read_exact(p, "sqnr_db");
      Expected<int64_t> saved = read_field<int64_t>(p, "saved");
      if (!level) return level.take_error();
      if (!metric) return metric.take_error();
      if (!sqnr) return sqnr.take_error();
      if (!saved) return saved.take_error();
      ls.points.push_back({*level, *metric, *sqnr, *saved});
    }
    r.layers.push_back(std::move(ls));
  }
  return r;
}

}  // namespace tinyopt
