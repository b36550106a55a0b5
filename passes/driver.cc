// passes/driver.cc: the pipeline run described in driver.h.
#include "passes/driver.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "calibration/calibration_data.h"
#include "formats/model_reader.h"
#include "formats/sha256.h"
#include "passes/calibration_job.h"
#include "formats/tflite/writer.h"

namespace tinyopt {
namespace {

// The first pass of the pipeline that needs the input `needed` selects, or nullptr.
const PassSpec* first_needing(const Pipeline& pipeline, const PassRegistry& registry, bool PassNeeds::*needed) {
  for (const PassSpec& s : pipeline) {
    const PassInfo* info = registry.find(s.name);
    if (info && info->needs.*needed) return &s;
  }
  return nullptr;
}

Error missing_input(const PassSpec& pass, const char* what, const char* flag, const char* value) {
  return fail(Errc::BadInput, {.option = flag}, "pass '{}' needs {}: give {} {}", pass.name, what, flag, value);
}

// Provenance: the canonical pipeline replaces any earlier one. An offline memory plan indexes the input model's
// tensors and their sizes; the rewritten graph has others, and TFLM would refuse the plan (or, with an equal
// tensor count, misplace buffers by it), so it goes too.
void stamp_provenance(Graph& g, const std::string& pipeline, const std::string& provenance) {
  std::erase_if(g.metadata, [](const MetadataEntry& m) {
    return m.name == "tinyopt_pipeline" || m.name == kProvenanceMetadata || m.name == "OfflineMemoryAllocation";
  });
  g.metadata.push_back({"tinyopt_pipeline", std::vector<uint8_t>(pipeline.begin(), pipeline.end())});
  if (!provenance.empty()) g.metadata.push_back({kProvenanceMetadata, std::vector<uint8_t>(provenance.begin(), provenance.end())});
}

}  // namespace

Expected<std::string> sha256_of_path(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return sha256_file(path);
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  if (ec) return fail(Errc::BadInput, {.file = path.string()}, "cannot list the folder: {}", ec.message());
  std::sort(files.begin(), files.end());
  std::string lines;
  for (const auto& f : files) {
    Expected<std::string> d = sha256_file(f);
    if (!d) return d.take_error();
    lines += *d + "  " + std::filesystem::relative(f, path).generic_string() + "\n";
  }
  return sha256_hex(std::span(reinterpret_cast<const uint8_t*>(lines.data()), lines.size()));
}

const char* calibration_flag() { return "--calib"; }
const char* training_flag() { return "--train"; }
const char* teacher_flag() { return "--teacher"; }
const char* target_flag() { return "--target"; }

Pipeline preparation_pipeline(const PassRegistry& registry) {
  Pipeline p;
  for (const char* name : {"dequantize-hybrid-weights", "fold-batchnorm", "fuse-activations", "remove-dead"})
    p.push_back(registry.find(name)->default_spec());
  return p;
}

Expected<PassNeeds> pipeline_needs(const Pipeline& pipeline, const PassRegistry& registry) {
  PassNeeds all;
  for (const PassSpec& s : pipeline) {
    const PassInfo* info = registry.find(s.name);
    if (!info) return fail(Errc::BadInput, {}, "unknown pass '{}'", s.name);
    all.calibration |= info->needs.calibration;
    all.labelled_data |= info->needs.labelled_data;
    all.training_data |= info->needs.training_data;
    all.teacher |= info->needs.teacher;
    all.target |= info->needs.target;
  }
  return all;
}

Expected<DriverResult> run_pipeline(const Pipeline& pipeline, const DriverInputs& inputs, DriverOptions options,
                                    const PassRegistry& registry) {
  Expected<Graph> graph = read_model_file(inputs.model, inputs.model_options);
  if (!graph) return graph.take_error();
  Graph& g = *graph;

  Expected<PassManager> pm = PassManager::from_pipeline(pipeline, registry);
  if (!pm) return pm.take_error();
  pm->set_verify_each(options.verify_each);
  for (std::unique_ptr<PassInstrument>& i : options.instruments) pm->add_instrument(std::move(i));

  // Every missing input is found before any is loaded, in pipeline order.
  const PassSpec* needs_calibration = first_needing(pipeline, registry, &PassNeeds::calibration);
  const PassSpec* needs_labels = first_needing(pipeline, registry, &PassNeeds::labelled_data);
  const PassSpec* needs_training = needs_labels ? needs_labels : first_needing(pipeline, registry, &PassNeeds::training_data);
  const PassSpec* needs_target = first_needing(pipeline, registry, &PassNeeds::target);
  if (!inputs.stats.empty()) {
    if (!needs_calibration)
      return fail(Errc::BadInput, {.option = "--stats"}, "no pass of the pipeline uses calibration statistics");
    if (!inputs.calibration.empty())
      return fail(Errc::BadInput, {.option = "--stats"}, "give --calib DATA or --stats FILE, not both");
  } else if (needs_calibration && inputs.calibration.empty()) {
    return missing_input(*needs_calibration, "calibration samples", calibration_flag(), "DATA");
  }
  if (needs_training && inputs.training.empty())
    return missing_input(*needs_training, needs_labels ? "labelled training data" : "training samples", training_flag(), "DATA");
  if (!needs_training && !inputs.training_labels.empty())
    return fail(Errc::BadInput, {.option = "--labels"}, "no pass of the pipeline uses training data");
  if (needs_target && inputs.target.empty())
    return missing_input(*needs_target, "a target board", target_flag(), "NAME|FILE.json");

  PassContext ctx;
  ctx.progress = options.progress;
  ctx.on_progress = options.on_progress;
  // The library's errors name the data's files; only a path that is not there is the flag's own error.
  auto open_data = [&](const std::string& path, const char* flag, auto&& open) -> Expected<Dataset> {
    if (std::error_code ec; !std::filesystem::exists(path, ec))
      return fail(Errc::BadInput, {.file = path, .option = flag}, "no such file or folder");
    return open();
  };
  std::optional<CalibrationJob> stats;
  if (!inputs.stats.empty()) {
    if (std::error_code ec; !std::filesystem::exists(inputs.stats, ec))
      return fail(Errc::BadInput, {.file = inputs.stats, .option = "--stats"}, "no such file");
    Expected<CalibrationJob> job = read_calibration_job(inputs.stats);
    if (!job) return job.take_error();
    // The statistics name tensors of the graph as the passes before the first calibrated one leave it.
    Pipeline before(pipeline.begin(), pipeline.begin() + (needs_calibration - pipeline.data()));
    Expected<std::string> digest = sha256_file(inputs.model);
    if (!digest) return digest.take_error();
    if (job->model_sha256 != *digest)
      return fail(Errc::BadInput, {.file = inputs.stats, .option = "--stats"},
                  "the statistics were computed on another model ({}, sha256 {}...)", job->model, job->model_sha256.substr(0, 12));
    if (job->pipeline != print_pipeline(before))
      return fail(Errc::BadInput, {.file = inputs.stats, .option = "--stats"},
                  "the statistics were computed after '{}' but this pipeline runs '{}' before '{}' (calibrate with the "
                  "same --equalize choice)", job->pipeline, print_pipeline(before), needs_calibration->name);
    if (job->shard.count != 1)
      return fail(Errc::BadInput, {.file = inputs.stats, .option = "--stats"},
                  "these are the statistics of shard {}/{} only: merge the shards first (tinyopt merge)", job->shard.index,
                  job->shard.count);
    stats = std::move(*job);
    ctx.stats = &stats->stats;
  }
  ctx.seed = inputs.seed;
  // The hold-out applies to --calib and --train alike: the caller's fidelity samples come from one of them, and
  // the two are often the same file.
  bool calibration_held_out = false, training_held_out = false;
  const auto withhold = [&](Dataset d, size_t limit, bool& held_out) {
    const size_t n = inputs.hold_out;
    held_out = n > 0 && d.size() >= 2 * n;
    const size_t usable = held_out ? d.size() - n : d.size();
    return d.slice(0, limit > 0 ? std::min(limit, usable) : usable);
  };
  std::optional<Dataset> calibration;
  if (needs_calibration && inputs.stats.empty()) {
    DatasetOptions whole = inputs.calibration_options;
    if (inputs.hold_out > 0) whole.max_samples = 0;  // the hold-out is counted from the end of the whole data
    Expected<Dataset> data = open_data(inputs.calibration, calibration_flag(), [&] {
      return open_calibration_data(inputs.calibration, g, whole);
    });
    if (!data) return data.take_error();
    calibration = inputs.hold_out > 0
                      ? withhold(std::move(*data), inputs.calibration_options.max_samples, calibration_held_out)
                      : std::move(*data);
    ctx.calibration = &*calibration;
  }
  std::optional<Dataset> training;
  if (needs_training) {
    DatasetOptions options;
    const bool hold_out_training = inputs.hold_out > 0;
    // The hold-out is counted from the end of the whole data, the cap applied to what remains.
    options.max_samples = hold_out_training ? 0 : inputs.training_max;
    for (TensorId id : g.inputs) options.inputs.push_back({.tensor = g.tensor(id).name, .shape = g.tensor(id).shape});
    if (!inputs.training_labels.empty())
      if (std::error_code ec; !std::filesystem::exists(inputs.training_labels, ec))
        return fail(Errc::BadInput, {.file = inputs.training_labels, .option = "--labels"}, "no such file");
    Expected<Dataset> data = open_data(inputs.training, training_flag(), [&] {
      if (!inputs.training_labels.empty())
        return open_dataset(std::vector<std::filesystem::path>{inputs.training}, inputs.training_labels, options);
      return open_dataset(inputs.training, options);
    });
    if (!data) return data.take_error();
    if (needs_labels && !data->has_labels() && !data->has_targets())
      return fail(Errc::BadInput, {.file = inputs.training, .option = training_flag()},
                  "training data has no labels (an .npz with keys x and y, IDX images with a labels file, or image "
                  "folders with class sub-folders)");
    training = hold_out_training ? withhold(std::move(*data), inputs.training_max, training_held_out) : std::move(*data);
    ctx.training = &*training;
  }
  // The teacher is the --teacher model, or the model as it entered the pipeline (before prune/cluster/...).
  std::optional<Graph> teacher;
  if (first_needing(pipeline, registry, &PassNeeds::teacher)) {
    if (inputs.teacher.empty()) {
      teacher = g;
    } else {
      Expected<Graph> t = read_model_file(inputs.teacher, inputs.model_options);
      if (!t) return t.take_error();
      teacher = std::move(*t);
    }
    ctx.teacher = &*teacher;
  }
  std::optional<Target> target;
  if (needs_target) {
    Expected<Target> t = resolve_target(inputs.target, inputs.targets_dir);
    if (!t) return t.take_error();
    target = std::move(*t);
    ctx.target = &*target;
  }

  if (Expected<void> ok = pm->run(g, ctx); !ok) return ok.take_error();

  DriverResult result;
  result.pipeline = print_pipeline(pm->pipeline());
  nlohmann::ordered_json prov;
  prov["tool"] = "tinyopt";
  prov["version"] = TINYOPT_VERSION;
  prov["pipeline"] = result.pipeline;
  prov["seed"] = inputs.seed;
  Expected<std::string> model_digest = sha256_file(inputs.model);
  if (!model_digest) return model_digest.take_error();
  prov["model"] = {{"file", inputs.model}, {"sha256", *model_digest}};
  nlohmann::ordered_json read = nlohmann::ordered_json::array();
  const std::pair<const char*, const std::string*> used[] = {
      {calibration_flag(), calibration ? &inputs.calibration : nullptr}, {"--stats", stats ? &inputs.stats : nullptr},
      {training_flag(), training ? &inputs.training : nullptr},
      {"--labels", training && !inputs.training_labels.empty() ? &inputs.training_labels : nullptr},
      {teacher_flag(), teacher && !inputs.teacher.empty() ? &inputs.teacher : nullptr}};
  for (const auto& [flag, path] : used) {
    if (!path) continue;
    Expected<std::string> d = sha256_of_path(*path);
    if (!d) return d.take_error();
    read.push_back({{"flag", flag}, {"file", *path}, {"sha256", *d}});
  }
  prov["inputs"] = read;
  result.provenance = prov.dump();
  stamp_provenance(g, result.pipeline, options.provenance ? result.provenance : std::string());
  if (Expected<void> ok = write_tflite_file(g, inputs.output); !ok) return ok.take_error();
  result.records = pm->records();
  for (const PassRunRecord& r : result.records)
    result.notes.insert(result.notes.end(), r.result.notes.begin(), r.result.notes.end());
  result.calibration_samples = calibration ? calibration->size() : stats ? static_cast<size_t>(stats->stats.samples) : 0;
  // Fidelity samples come from --calib when it is given (cli/cmd_optimize.cc), else from --train.
  result.held_out = !inputs.calibration.empty() ? calibration_held_out : training_held_out;
  result.graph = std::move(g);
  return result;
}

}  // namespace tinyopt
