// verify/verify.cc: tallying two models over data, merging shard tallies, and the verdict (verify.h).
#include "verify/verify.h"

#include <algorithm>
#include <cmath>

#include "formats/sha256.h"
#include "formats/model_reader.h"
#include "formats/tflite/reader.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"

namespace tinyopt {
namespace {

std::string tensor_shape(const Graph& g, TensorId id) { return shape_to_string(g.tensor(id).shape); }

// The two models must take the same data and give comparable outputs: counts and element counts equal.
Expected<void> check_compatible(const Graph& ref, const Graph& cand) {
  auto mismatch = [&](const char* what, size_t k, const std::vector<TensorId>& r, const std::vector<TensorId>& c) {
    return fail(Errc::BadInput, {.file = cand.source, .tensor = cand.tensor(c[k]).name},
                "{} {} is {} in the candidate but {} ('{}') in the reference {}", what, k, tensor_shape(cand, c[k]),
                tensor_shape(ref, r[k]), ref.tensor(r[k]).name, ref.source);
  };
  if (ref.inputs.size() != cand.inputs.size())
    return fail(Errc::BadInput, {.file = cand.source}, "the candidate has {} input(s), the reference {} has {}",
                cand.inputs.size(), ref.source, ref.inputs.size());
  if (ref.outputs.size() != cand.outputs.size())
    return fail(Errc::BadInput, {.file = cand.source}, "the candidate has {} output(s), the reference {} has {}",
                cand.outputs.size(), ref.source, ref.outputs.size());
  for (size_t k = 0; k < ref.inputs.size(); ++k)
    if (ref.tensor(ref.inputs[k]).num_elements() != cand.tensor(cand.inputs[k]).num_elements())
      return mismatch("input", k, ref.inputs, cand.inputs);
  for (size_t k = 0; k < ref.outputs.size(); ++k)
    if (ref.tensor(ref.outputs[k]).num_elements() != cand.tensor(cand.outputs[k]).num_elements())
      return mismatch("output", k, ref.outputs, cand.outputs);
  return {};
}

Expected<Dataset> open_data(const VerifyInputs& in, const Graph& ref) {
  if (in.data.empty()) return fail(Errc::BadInput, {.option = "--data"}, "no data given");
  if (in.data.size() != ref.inputs.size())
    return fail(Errc::BadInput, {.option = "--data"}, "{} data source(s) for a model with {} input(s)", in.data.size(),
                ref.inputs.size());
  DatasetOptions options = in.data_options;
  options.inputs = input_specs(ref);
  std::vector<std::filesystem::path> paths(in.data.begin(), in.data.end());
  for (const auto& p : paths)
    if (std::error_code ec; !std::filesystem::exists(p, ec))
      return fail(Errc::BadInput, {.file = p.string(), .option = "--data"}, "no such file or folder");
  if (!in.labels.empty())
    if (std::error_code ec; !std::filesystem::exists(in.labels, ec))
      return fail(Errc::BadInput, {.file = in.labels, .option = "--labels"}, "no such file");
  return open_dataset(paths, in.labels, options);
}

struct Loaded {
  Graph reference, candidate;
  Dataset data;  // the whole dataset
};

Expected<Loaded> load(const VerifyInputs& in) {
  Loaded l;
  for (auto [path, graph, flag] : {std::tuple{&in.reference, &l.reference, "REFERENCE"},
                                   std::tuple{&in.candidate, &l.candidate, "CANDIDATE"}}) {
    if (std::error_code ec; !std::filesystem::exists(*path, ec))
      return fail(Errc::BadInput, {.file = *path, .option = flag}, "no such file");
    Expected<Graph> g = read_model_file(*path);
    if (!g) return g.take_error();
    *graph = std::move(*g);
  }
  if (Expected<void> ok = check_compatible(l.reference, l.candidate); !ok) return ok.take_error();
  Expected<Dataset> data = open_data(in, l.reference);
  if (!data) return data.take_error();
  l.data = in.max_samples ? data->first(std::min(in.max_samples, data->size())) : std::move(*data);
  if (l.data.empty()) return fail(Errc::BadInput, {.file = l.data.source()}, "the data holds no samples");
  if (in.thresholds.max_top1_drop && !l.data.has_labels())
    return fail(Errc::BadInput, {.option = "--max-top1-drop"},
                "needs class labels: give --labels FILE, or an .npz with keys x and y");
  return l;
}

Expected<VerifyTally> tally_loaded(const VerifyInputs& in, const Loaded& l) {
  VerifyTally t;
  t.reference = in.reference;
  t.candidate = in.candidate;
  t.data = in.data;
  t.labels = in.labels;
  t.thresholds = in.thresholds;
  t.shard = in.shard;
  for (auto [path, digest] : {std::pair{&in.reference, &t.reference_sha256}, std::pair{&in.candidate, &t.candidate_sha256}}) {
    Expected<std::string> d = sha256_file(*path);
    if (!d) return d.take_error();
    *digest = *d;
  }
  t.dataset_samples = static_cast<int64_t>(l.data.size());
  const Dataset shard = l.data.shard(in.shard.index, in.shard.count);
  t.samples = static_cast<int64_t>(shard.size());
  t.labelled = shard.has_labels();
  const Graph& cand = l.candidate;
  t.classifier = cand.tensor(cand.outputs[0]).num_elements() > 1;
  for (TensorId id : cand.outputs) t.outputs.push_back({cand.tensor(id).name, cand.tensor(id).num_elements(), {}, {}, 0});
  if (shard.empty()) return t;

  EvaluateOptions eo;
  eo.threads = in.threads;
  Expected<Evaluation> ref = evaluate_model(l.reference, shard, eo);
  if (!ref) return ref.take_error();
  Expected<Evaluation> got = evaluate_model(l.candidate, shard, eo);
  if (!got) return got.take_error();
  for (size_t s = 0; s < shard.size(); ++s) {
    for (size_t k = 0; k < t.outputs.size(); ++k) {
      const std::vector<float> r = ref->outputs[k].values(s), c = got->outputs[k].values(s);
      OutputTally& o = t.outputs[k];
      for (size_t i = 0; i < r.size(); ++i) {
        const double rv = r[i], d = rv - static_cast<double>(c[i]);
        o.signal.add(rv * rv);
        o.noise.add(d * d);
        o.max_abs_error = std::max(o.max_abs_error, std::abs(d));
      }
      if (k != 0 || !t.classifier) continue;
      const int32_t rc = argmax(r), cc = argmax(c);
      t.agreeing += rc == cc;
      if (t.labelled) {
        t.reference_correct += rc == shard.label(s);
        t.candidate_correct += cc == shard.label(s);
      }
    }
  }
  return t;
}

nlohmann::ordered_json thresholds_json(const VerifyThresholds& th) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  return {{"max_top1_drop", opt(th.max_top1_drop)}, {"min_agreement", opt(th.min_agreement)},
          {"min_sqnr", opt(th.min_sqnr)}, {"max_mse", opt(th.max_mse)}};
}

Expected<VerifyThresholds> thresholds_from_json(const nlohmann::json& j) {
  auto opt = [&](const char* key) -> std::optional<double> {
    return j.at(key).is_null() ? std::nullopt : std::optional<double>(j.at(key).get<double>());
  };
  return VerifyThresholds{opt("max_top1_drop"), opt("min_agreement"), opt("min_sqnr"), opt("max_mse")};
}

}  // namespace

nlohmann::ordered_json VerifyTally::to_json() const {
  nlohmann::ordered_json j;
  j["schema"] = kVerifyPartSchema;
  j["reference"] = reference;
  j["candidate"] = candidate;
  j["reference_sha256"] = reference_sha256;
  j["candidate_sha256"] = candidate_sha256;
  j["data"] = data;
  j["labels"] = labels;
  j["thresholds"] = thresholds_json(thresholds);
  j["shard"] = {{"index", shard.index}, {"count", shard.count}};
  j["dataset_samples"] = dataset_samples;
  j["samples"] = samples;
  j["labelled"] = labelled;
  j["classifier"] = classifier;
  j["reference_correct"] = reference_correct;
  j["candidate_correct"] = candidate_correct;
  j["agreeing"] = agreeing;
  nlohmann::ordered_json outs = nlohmann::ordered_json::array();
  for (const OutputTally& o : outputs)
    outs.push_back({{"name", o.name}, {"elements", o.elements}, {"signal", o.signal.to_json()},
                    {"noise", o.noise.to_json()},
                    // A double's shortest round-trip text (nlohmann's), or null for inf/NaN.
                    {"max_abs_error", std::isfinite(o.max_abs_error) ? nlohmann::ordered_json(o.max_abs_error) : nlohmann::ordered_json()}});
  j["outputs"] = outs;
  return j;
}

Expected<VerifyTally> VerifyTally::from_json(const nlohmann::json& j) {
  VerifyTally t;
  try {
    if (j.value("schema", "") != kVerifyPartSchema)
      return fail(Errc::BadInput, {}, "not a tinyopt verify part (schema '{}', expected '{}')", j.value("schema", ""),
                  kVerifyPartSchema);
    t.reference = j.at("reference").get<std::string>();
    t.candidate = j.at("candidate").get<std::string>();
    t.reference_sha256 = j.at("reference_sha256").get<std::string>();
    t.candidate_sha256 = j.at("candidate_sha256").get<std::string>();
    t.data = j.at("data").get<std::vector<std::string>>();
    t.labels = j.at("labels").get<std::string>();
    Expected<VerifyThresholds> th = thresholds_from_json(j.at("thresholds"));
    if (!th) return th.take_error();
    t.thresholds = *th;
    t.shard = {j.at("shard").at("index").get<size_t>(), j.at("shard").at("count").get<size_t>()};
    if (t.shard.count == 0 || t.shard.index >= t.shard.count)
      return fail(Errc::BadInput, {}, "shard {}/{} is not a shard", t.shard.index, t.shard.count);
    t.dataset_samples = j.at("dataset_samples").get<int64_t>();
    t.samples = j.at("samples").get<int64_t>();
    t.labelled = j.at("labelled").get<bool>();
    t.classifier = j.at("classifier").get<bool>();
    t.reference_correct = j.at("reference_correct").get<int64_t>();
    t.candidate_correct = j.at("candidate_correct").get<int64_t>();
    t.agreeing = j.at("agreeing").get<int64_t>();
    for (const auto& o : j.at("outputs")) {
      OutputTally ot;
      ot.name = o.at("name").get<std::string>();
      ot.elements = o.at("elements").get<int64_t>();
      Expected<ExactSum> sig = ExactSum::from_json(o.at("signal"));
      if (!sig) return sig.take_error();
      Expected<ExactSum> noise = ExactSum::from_json(o.at("noise"));
      if (!noise) return noise.take_error();
      ot.signal = *sig;
      ot.noise = *noise;
      ot.max_abs_error = o.at("max_abs_error").is_null() ? HUGE_VAL : o.at("max_abs_error").get<double>();
      t.outputs.push_back(std::move(ot));
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad verify part: {}", e.what());
  }
  return t;
}

Expected<VerifyTally> tally_models(const VerifyInputs& in) {
  Expected<Loaded> l = load(in);
  if (!l) return l.take_error();
  return tally_loaded(in, *l);
}

Expected<VerifyTally> merge_tallies(std::span<const VerifyTally> parts) {
  if (parts.empty()) return fail(Errc::BadInput, {}, "no parts to merge");
  const VerifyTally& first = parts[0];
  std::vector<int> seen(first.shard.count, 0);
  VerifyTally sum = first;
  for (size_t p = 0; p < parts.size(); ++p) {
    const VerifyTally& t = parts[p];
    auto differs = [&](const char* what) {
      return fail(Errc::BadInput, {}, "part {} (shard {}/{}) has another {} than part 0", p, t.shard.index, t.shard.count, what);
    };
    if (t.reference_sha256 != first.reference_sha256) return differs("reference model");
    if (t.candidate_sha256 != first.candidate_sha256) return differs("candidate model");
    if (t.data != first.data || t.labels != first.labels || t.dataset_samples != first.dataset_samples) return differs("dataset");
    if (t.thresholds != first.thresholds) return differs("set of thresholds");
    if (t.shard.count != first.shard.count) return differs("shard count");
    if (t.outputs.size() != first.outputs.size()) return differs("output count");
    if (seen[t.shard.index]++)
      return fail(Errc::BadInput, {}, "shard {}/{} is given twice", t.shard.index, t.shard.count);
    if (p == 0) continue;
    sum.samples += t.samples;
    sum.reference_correct += t.reference_correct;
    sum.candidate_correct += t.candidate_correct;
    sum.agreeing += t.agreeing;
    for (size_t k = 0; k < sum.outputs.size(); ++k) {
      sum.outputs[k].signal.merge(t.outputs[k].signal);
      sum.outputs[k].noise.merge(t.outputs[k].noise);
      sum.outputs[k].max_abs_error = std::max(sum.outputs[k].max_abs_error, t.outputs[k].max_abs_error);
    }
  }
  std::string missing;
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(seen.size());
  if (!missing.empty()) return fail(Errc::BadInput, {}, "shard(s) missing: {}", missing);
  if (sum.samples != sum.dataset_samples)
    return fail(Errc::BadInput, {}, "the parts hold {} samples, the dataset {}", sum.samples, sum.dataset_samples);
  sum.shard = {0, 1};
  return sum;
}

VerifyReport finish_verify(const VerifyTally& t) {
  VerifyReport r;
  r.reference = t.reference;
  r.candidate = t.candidate;
  r.data = t.data;
  r.samples = t.samples;
  r.thresholds = t.thresholds;
  const double n = static_cast<double>(std::max<int64_t>(t.samples, 1));
  if (t.classifier) r.top1_agreement = static_cast<double>(t.agreeing) / n;
  if (t.classifier && t.labelled) {
    r.reference_accuracy = static_cast<double>(t.reference_correct) / n;
    r.candidate_accuracy = static_cast<double>(t.candidate_correct) / n;
    r.top1_drop = (*r.reference_accuracy - *r.candidate_accuracy) * 100.0;
  }
  for (const OutputTally& o : t.outputs) {
    ErrorStats e;
    e.signal = o.signal.value();
    e.noise = o.noise.value();
    e.max_abs_error = o.max_abs_error;
    e.elements = o.elements * t.samples;
    r.outputs.push_back({o.name, o.elements, e.sqnr_db(), e.mse(), e.max_abs_error});
  }
  const VerifyThresholds& th = t.thresholds;
  auto check = [&](const char* name, const std::string& output, double limit, double measured, bool passed) {
    r.checks.push_back({name, output, limit, measured, passed});
    r.passed = r.passed && passed;
  };
  if (th.max_top1_drop) {
    if (r.top1_drop) check("max-top1-drop", "", *th.max_top1_drop, *r.top1_drop, *r.top1_drop <= *th.max_top1_drop);
    else r.notes.push_back("max-top1-drop not checked: output 0 has one element (not a classifier)");
  }
  if (th.min_agreement) {
    if (r.top1_agreement)
      check("min-agreement", "", *th.min_agreement, *r.top1_agreement * 100.0, *r.top1_agreement * 100.0 >= *th.min_agreement);
    else r.notes.push_back("min-agreement not checked: output 0 has one element (not a classifier)");
  }
  for (const OutputFigures& o : r.outputs) {
    // NaN compares false both ways: a NaN figure fails its threshold.
    if (th.min_sqnr) check("min-sqnr", o.name, *th.min_sqnr, o.sqnr_db, o.sqnr_db >= *th.min_sqnr);
    if (th.max_mse) check("max-mse", o.name, *th.max_mse, o.mse, o.mse <= *th.max_mse);
  }
  return r;
}

Expected<VerifyReport> verify_models(const VerifyInputs& in) {
  Expected<Loaded> l = load(in);
  if (!l) return l.take_error();
  Expected<VerifyTally> t = tally_loaded(in, *l);
  if (!t) return t.take_error();
  VerifyReport r = finish_verify(*t);
  if (in.per_layer) {
    Expected<PerLayerReport> layers = per_layer_errors(l->reference, l->candidate, l->data, in.threads);
    if (!layers) return layers.take_error();
    r.per_layer = std::move(*layers);
  }
  return r;
}

}  // namespace tinyopt
