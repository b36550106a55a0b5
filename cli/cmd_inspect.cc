// cli/cmd_inspect.cc: `tinyopt inspect MODEL [--json]`: a model's inputs and outputs (shape, dtype,
// quantization), one row per op (output shape, key parameters, MACs, parameters, weight bytes) and totals.
// The numbers come from reports/model_stats; this file only prints them.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "passes/driver.h"
#include "reports/model_stats.h"

namespace tinyopt::cli {
namespace {

struct InspectArgs {
  std::string model;
  ModelReadOptions read_options;
  bool json = false;
};

nlohmann::ordered_json quant_json(const Tensor& t) {
  if (!t.quant || t.quant->scale.empty()) return nullptr;
  nlohmann::ordered_json q;
  q["scale"] = t.quant->scale;
  q["zero_point"] = t.quant->zero_point;
  q["axis"] = t.quant->axis;
  return q;
}

nlohmann::ordered_json io_json(const Graph& g, const std::vector<TensorId>& ids) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (TensorId id : ids) {
    const Tensor& t = g.tensor(id);
    list.push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"quantization", quant_json(t)}});
  }
  return list;
}

std::string params_text(const OpStats& o) {
  std::string s;
  for (const auto& [k, v] : o.params) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}

// A metadata entry's bytes as text ("" when absent).
std::string metadata_text(const Graph& g, const std::string& name) {
  for (const MetadataEntry& m : g.metadata)
    if (m.name == name) return std::string(m.data.begin(), m.data.end());
  return "";
}

int run_inspect(const InspectArgs& a, Output& out) {
  Expected<Graph> graph = read_model_file(a.model, a.read_options);
  if (!graph) return out.fail(graph.take_error());
  const Graph& g = *graph;
  const ModelStats stats = compute_model_stats(g);
  std::error_code ec;
  const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(a.model, ec));

  if (out.json()) {
    nlohmann::ordered_json doc;
    doc["model"] = a.model;
    doc["file_bytes"] = ec ? 0 : file_bytes;
    doc["description"] = g.description;
    doc["hybrid_weights"] = g.hybrid_weights_dequantized;
    // The provenance a tinyopt pipeline stamped (passes/driver.h), or null.
    const std::string prov = metadata_text(g, kProvenanceMetadata);
    nlohmann::ordered_json prov_json = prov.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(prov, nullptr, false);
    doc["provenance"] = prov_json.is_discarded() ? nlohmann::ordered_json(prov) : prov_json;
    doc["inputs"] = io_json(g, g.inputs);
    doc["outputs"] = io_json(g, g.outputs);
    nlohmann::ordered_json ops = nlohmann::ordered_json::array();
    for (const OpStats& o : stats.ops) {
      nlohmann::ordered_json params = nlohmann::ordered_json::object();
      for (const auto& [k, v] : o.params) params[k] = v;
      const Op& op = g.ops[static_cast<size_t>(o.index)];
      nlohmann::ordered_json in = nlohmann::ordered_json::array(), outs = nlohmann::ordered_json::array();
      for (TensorId id : op.inputs) in.push_back(id == kNoTensor ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(g.tensor(id).name));
      for (TensorId id : op.outputs) outs.push_back(g.tensor(id).name);
      ops.push_back({{"index", o.index}, {"op", o.op}, {"inputs", in}, {"outputs", outs},
                     {"output_shape", o.output_shape}, {"params", params}, {"macs", o.macs},
                     {"parameters", o.parameters}, {"weight_bytes", o.weight_bytes}});
    }
    doc["ops"] = ops;
    nlohmann::ordered_json enc = nlohmann::ordered_json::array();
    for (const EncodedWeight& e : stats.encoded)
      enc.push_back({{"op", e.op}, {"tensor", e.tensor}, {"encoding", e.encoding}, {"bits", e.bits},
                     {"channels", e.channels}, {"plain_bytes", e.plain_bytes}, {"stored_bytes", e.stored_bytes}});
    doc["encoded_weights"] = enc;
    doc["totals"] = {{"ops", stats.ops.size()}, {"parameters", stats.total_parameters},
                     {"weight_bytes", stats.total_weight_bytes}, {"macs", stats.total_macs}};
    out.emit_json("inspect", 1, doc);
    return kExitOk;
  }

  std::string text = fmt::format("model: {} ({} bytes)\n", a.model, ec ? 0 : file_bytes);
  if (!g.description.empty()) text += fmt::format("description: {}\n", g.description);
  if (const std::string prov = metadata_text(g, kProvenanceMetadata); !prov.empty()) text += "provenance: " + prov + "\n";
  if (g.hybrid_weights_dequantized)
    text += fmt::format("hybrid model: {} weight tensor(s) stored int8 with float activations, shown dequantized to "
                        "float32 (TFLite Micro rejects hybrid models; `tinyopt quantize` makes it int8)\n",
                        g.hybrid_weights_dequantized);
  auto io_rows = [&](const std::vector<TensorId>& ids) {
    std::vector<std::vector<std::string>> rows;
    for (TensorId id : ids) {
      const Tensor& t = g.tensor(id);
      rows.push_back({t.name, std::string(dtype_name(t.dtype)), shape_to_string(t.shape), describe_quant(t)});
    }
    return render_table({"name", "dtype", "shape", "quantization"}, rows);
  };
  text += "\ninputs:\n" + io_rows(g.inputs) + "\noutputs:\n" + io_rows(g.outputs) + "\n";
  std::vector<std::vector<std::string>> rows;
  for (const OpStats& o : stats.ops)
    rows.push_back({std::to_string(o.index), o.op, shape_to_string(o.output_shape), params_text(o),
                    with_thousands(o.macs), with_thousands(o.parameters), with_thousands(o.weight_bytes)});
  text += render_table({"#", "op", "output shape", "parameters", "MACs", "params", "weight bytes"}, rows);
  text += fmt::format("\ntotals: {} ops, {} parameters, {} weight bytes, {} MACs\n", stats.ops.size(),
                      with_thousands(stats.total_parameters), with_thousands(stats.total_weight_bytes),
                      with_thousands(stats.total_macs));
  if (!stats.encoded.empty()) {
    std::vector<std::vector<std::string>> erows;
    int64_t plain = 0, stored = 0;
    for (const EncodedWeight& e : stats.encoded) {
      erows.push_back({std::to_string(e.op), e.tensor, e.encoding, e.bits ? std::to_string(e.bits) : "-",
                       std::to_string(e.channels), with_thousands(e.plain_bytes), with_thousands(e.stored_bytes)});
      plain += e.plain_bytes;
      stored += e.stored_bytes;
    }
    text += fmt::format("\nencoded weights (TFLM_DECODE; TFLite Micro needs MicroMutableOpResolver::AddDecode()):\n{}"
                        "{} tensors: {} bytes decoded, {} bytes stored\n",
                        render_table({"op", "tensor", "encoding", "bits", "channels", "bytes", "stored"}, erows),
                        stats.encoded.size(), with_thousands(plain), with_thousands(stored));
  }
  out.print(text);
  return kExitOk;
}

}  // namespace

CommandRun add_inspect(CLI::App& sub) {
  auto args = std::make_shared<InspectArgs>();
  sub.add_option("model", args->model, "the model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, args->read_options);
  add_json_flag(sub, args->json);
  return [args](Output& out) {
    out.set_json(args->json);
    return run_inspect(*args, out);
  };
}

}  // namespace tinyopt::cli
