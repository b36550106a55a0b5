// cli/cmd_convert.cc: `tinyopt convert MODEL -o OUT.tflite [--keep-nchw-input] [--json]`: reads a model (an
// ONNX file from torch.onnx.export, or a .tflite) and writes it as a float TFLite flatbuffer, atomically.
// The conversion is formats/onnx's; this file reads, writes and prints.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "formats/tflite/writer.h"

namespace tinyopt::cli {
namespace {

struct ConvertArgs {
  std::string model;
  std::string output;
  ModelReadOptions read_options;
  bool json = false;
};

nlohmann::ordered_json io_list(const Graph& g, const std::vector<TensorId>& ids) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (TensorId id : ids) list.push_back({{"name", g.tensor(id).name}, {"shape", g.tensor(id).shape}});
  return list;
}

std::string io_text(const Graph& g, const std::vector<TensorId>& ids) {
  std::string s;
  for (TensorId id : ids) s += fmt::format("{}'{}' {}", s.empty() ? "" : ", ", g.tensor(id).name, shape_to_string(g.tensor(id).shape));
  return s;
}

int run_convert(const ConvertArgs& a, Output& out) {
  auto bytes = read_file(a.model);
  if (!bytes) return out.fail(bytes.take_error());
  const ModelFormat format = detect_model_format(*bytes);
  Expected<Graph> g = read_model(*bytes, a.model, a.read_options);
  if (!g) return out.fail(g.take_error());
  if (auto ok = write_tflite_file(*g, a.output); !ok) return out.fail(ok.take_error());
  std::error_code ec;
  const auto written = static_cast<int64_t>(std::filesystem::file_size(a.output, ec));
  if (out.json()) {
    nlohmann::ordered_json doc;
    doc["model"] = a.model;
    doc["format"] = model_format_name(format);
    doc["output"] = a.output;
    doc["output_bytes"] = ec ? 0 : written;
    doc["ops"] = g->ops.size();
    doc["inputs"] = io_list(*g, g->inputs);
    doc["outputs"] = io_list(*g, g->outputs);
    doc["description"] = g->description;
    out.emit_json("convert", 1, doc);
    return kExitOk;
  }
  out.print(fmt::format("converted {} ({}) -> {} ({} bytes, {} ops)\ninputs: {}\noutputs: {}\n{}\n", a.model,
                        model_format_name(format), a.output, ec ? 0 : written, g->ops.size(), io_text(*g, g->inputs),
                        io_text(*g, g->outputs), g->description));
  return kExitOk;
}

}  // namespace

CommandRun add_convert(CLI::App& sub) {
  auto args = std::make_shared<ConvertArgs>();
  sub.add_option("model", args->model, "the model to convert (.onnx; a .tflite is rewritten as is)")->required();
  sub.add_option("-o,--output", args->output, "the float .tflite to write")->required();
  add_model_read_flags(sub, args->read_options);
  add_json_flag(sub, args->json);
  return [args](Output& out) {
    out.set_json(args->json);
    return run_convert(*args, out);
  };
}

}  // namespace tinyopt::cli
