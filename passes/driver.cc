// passes/driver.cc: the pipeline run described in driver.h.
#include "passes/driver.h"

#include <algorithm>
#include <filesystem>

#include "calibration/calibration_data.h"
#include "formats/model_reader.h"
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
void stamp_provenance(Graph& g, const std::string& pipeline) {
  std::erase_if(g.metadata, [](const MetadataEntry& m) {
    return m.name == "tinyopt_pipeline" || m.name == "OfflineMemoryAllocation";
  });
  g.metadata.push_back({"tinyopt_pipeline", std::vector<uint8_t>(pipeline.begin(), pipeline.end())});
}

}  // namespace

const char* calibration_flag() { return "--calib"; }
const char* training_flag() { return "--train"; }
const char* teacher_flag() { return "--teacher"; }
const char* target_flag() { return "--target"; }

Expected<PassNeeds> pipeline_needs(const Pipeline& pipeline, const PassRegistry& registry) {
  PassNeeds all;
  for (const PassSpec& s : pipeline) {
    const PassInfo* info = registry.find(s.name);
    if (!info) return fail(Errc::BadInput, {}, "unknown pass '{}'", s.name);
    all.calibration |= info->needs.calibration;
    all.labelled_data |= info->needs.labelled_data;
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
  const PassSpec* needs_training = first_needing(pipeline, registry, &PassNeeds::labelled_data);
  const PassSpec* needs_target = first_needing(pipeline, registry, &PassNeeds::target);
  if (needs_calibration && inputs.calibration.empty())
    return missing_input(*needs_calibration, "calibration samples", calibration_flag(), "DATA");
  if (needs_training && inputs.training.empty())
    return missing_input(*needs_training, "labelled training data", training_flag(), "DATA");
  if (needs_target && inputs.target.empty())
    return missing_input(*needs_target, "a target board", target_flag(), "NAME|FILE.json");

  PassContext ctx;
  ctx.progress = options.progress;
  // The library's errors name the data's files; only a path that is not there is the flag's own error.
  auto open_data = [&](const std::string& path, const char* flag, auto&& open) -> Expected<Dataset> {
    if (std::error_code ec; !std::filesystem::exists(path, ec))
      return fail(Errc::BadInput, {.file = path, .option = flag}, "no such file or folder");
    return open();
  };
  std::optional<Dataset> calibration;
  if (needs_calibration) {
    Expected<Dataset> data = open_data(inputs.calibration, calibration_flag(), [&] {
      return open_calibration_data(inputs.calibration, g, inputs.calibration_options);
    });
    if (!data) return data.take_error();
    calibration = std::move(*data);
    ctx.calibration = &*calibration;
  }
  std::optional<Dataset> training;
  if (needs_training) {
    DatasetOptions options;
    for (TensorId id : g.inputs) options.inputs.push_back({.tensor = g.tensor(id).name, .shape = g.tensor(id).shape});
    Expected<Dataset> data = open_data(inputs.training, training_flag(), [&] {
      return open_dataset(inputs.training, options);
    });
    if (!data) return data.take_error();
    if (!data->has_labels() && !data->has_targets())
      return fail(Errc::BadInput, {.file = inputs.training, .option = training_flag()},
                  "training data has no labels (an .npz with keys x and y, IDX images with a labels file, or image "
                  "folders with class sub-folders)");
    training = std::move(*data);
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
  stamp_provenance(g, result.pipeline);
  if (Expected<void> ok = write_tflite_file(g, inputs.output); !ok) return ok.take_error();
  result.records = pm->records();
  for (const PassRunRecord& r : result.records)
    result.notes.insert(result.notes.end(), r.result.notes.begin(), r.result.notes.end());
  result.calibration_samples = calibration ? calibration->size() : 0;
  result.graph = std::move(g);
  return result;
}

}  // namespace tinyopt
