// cli/cmd_quantize.cc: `tinyopt quantize MODEL --calib DATA -o OUT.tflite`: post-training int8 quantization.
// Builds the pipeline dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead
// [,cross-layer-equalization],quantize{...} from the flags, runs it with the verifier between passes, writes the
// model atomically (with the canonical pipeline in its "tinyopt_pipeline" metadata) and prints a summary.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "calibration/calibration_data.h"
#include "calibration/progress.h"
#include "calibration/stats.h"
#include "cli/commands.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "passes/pass_manager.h"

namespace tinyopt::cli {
namespace {

struct QuantizeArgs {
  std::string model, calib, output, stats_out;
  std::string observer = "minmax", activations = "int8";
  std::vector<std::string> int16_layers;
  bool per_tensor = false, float_io = false, bias_correction = false, equalize = false, json = false;
  size_t num_calib = 0;
  std::optional<double> scale, offset;
  std::vector<std::string> print_ir_after;
  bool print_ir_after_all = false, print_ir_after_change = false, no_verify_each = false;
};

std::string quantize_pipeline_text(const QuantizeArgs& a) {
  std::string layers;
  for (const std::string& l : a.int16_layers) layers += (layers.empty() ? "" : ",") + l;
  return fmt::format("dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead{},quantize{{activations={},"
                     "bias-correction={},float-io={},int16-layers=[{}],num-calib={},observer={},weights={}}}",
                     a.equalize ? ",cross-layer-equalization" : "", a.activations, a.bias_correction ? "true" : "false",
                     a.float_io ? "true" : "false", layers, a.num_calib, a.observer, a.per_tensor ? "per-tensor" : "per-channel");
}

int run_quantize(const QuantizeArgs& a, Output& out) {
  Expected<Graph> graph = read_tflite_file(a.model);
  if (!graph) return out.fail(graph.take_error());
  Graph& g = *graph;

  Expected<Pipeline> pipeline = parse_pipeline(quantize_pipeline_text(a));
  if (!pipeline) return out.fail(pipeline.take_error());
  Expected<PassManager> pm = PassManager::from_pipeline(*pipeline);
  if (!pm) return out.fail(pm.take_error());
  pm->set_verify_each(!a.no_verify_each);
  // Per-pass summary lines are informational: -q (log level err) silences them.
  if (!out.json() && spdlog::should_log(spdlog::level::info))
    pm->add_instrument(std::make_unique<SummaryInstrument>(stderr));
  if (a.print_ir_after_all) pm->add_instrument(std::make_unique<IrPrinterInstrument>(stderr, IrPrinterInstrument::Mode::All));
  else if (a.print_ir_after_change) pm->add_instrument(std::make_unique<IrPrinterInstrument>(stderr, IrPrinterInstrument::Mode::Changed));
  else if (!a.print_ir_after.empty())
    pm->add_instrument(std::make_unique<IrPrinterInstrument>(stderr, IrPrinterInstrument::Mode::Named, a.print_ir_after));

  // The library's errors name the data's files; only a --calib path that is not there is the flag's own error.
  if (std::error_code ec; !std::filesystem::exists(a.calib, ec))
    return out.fail(fail(Errc::BadInput, {.file = a.calib, .option = "--calib"}, "no such file or folder"));
  DatasetOptions dopt;
  dopt.scale = a.scale, dopt.offset = a.offset, dopt.max_samples = a.num_calib;
  Expected<Dataset> data = open_calibration_data(a.calib, g, dopt);
  if (!data) return out.fail(data.take_error());

  PassContext ctx;
  ctx.calibration = &*data;
  ctx.progress = !out.json() && stderr_is_terminal();
  if (Expected<void> ok = pm->run(g, ctx); !ok) return out.fail(ok.take_error());

  std::string canonical = print_pipeline(pm->pipeline());
  g.metadata.erase(std::remove_if(g.metadata.begin(), g.metadata.end(), [](const MetadataEntry& m) { return m.name == "tinyopt_pipeline"; }),
                   g.metadata.end());
  g.metadata.push_back({"tinyopt_pipeline", std::vector<uint8_t>(canonical.begin(), canonical.end())});
  if (Expected<void> ok = write_tflite_file(g, a.output); !ok) return out.fail(ok.take_error());

  std::vector<std::string> notes;
  for (const PassRunRecord& r : pm->records()) notes.insert(notes.end(), r.result.notes.begin(), r.result.notes.end());
  if (out.json()) {
    nlohmann::ordered_json j;
    j["model"] = a.model;
    j["output"] = a.output;
    j["pipeline"] = canonical;
    j["calibration_samples"] = data->size();
    nlohmann::ordered_json passes = nlohmann::ordered_json::array();
    for (const PassRunRecord& r : pm->records())
      passes.push_back({{"pass", r.pass}, {"changed", r.result.changed}, {"summary", r.result.summary},
                        {"counters", r.result.counters}, {"notes", r.result.notes}, {"seconds", r.seconds}});
    j["passes"] = passes;
    j["fallbacks"] = notes;
    out.emit_json("quantize", 1, j);
  } else {
    out.print(fmt::format("wrote {} ({} ops, {} calibration samples)\npipeline: {}\n", a.output, g.ops.size(), data->size(), canonical));
    if (!notes.empty()) out.print(fmt::format("{} fallback(s) applied; see the notes above\n", notes.size()));
  }
  return kExitOk;
}

}  // namespace

CommandRun add_quantize(CLI::App& sub) {
  auto a = std::make_shared<QuantizeArgs>();
  sub.footer(
      "Runs dequantize-hybrid-weights, fold-batchnorm, fuse-activations, remove-dead [, cross-layer-equalization]\n"
      "and quantize. Conv/depthwise weights become int8 symmetric per output channel (per tensor with --per-tensor;\n"
      "FULLY_CONNECTED weights are always per tensor, as in the TFLite spec and the converter), biases int32,\n"
      "activations int8 asymmetric per tensor (or int16 symmetric: 16x8). Inputs/outputs are int8 unless --float-io.\n"
      "Calibration data: a .npy array (first axis = samples; uint8 is scaled by --scale/--offset), a folder of .npy\n"
      "files or images (PNG/JPEG/BMP, resized to the input), or an IDX file (Fashion-MNIST *-ubyte.gz). Pixel data\n"
      "defaults to --scale 1/255 --offset 0. Fallbacks (zero-width ranges, all-zero channels) are listed in the output.");
  sub.add_option("model", a->model, "float .tflite model")->required();
  sub.add_option("--calib", a->calib, "calibration data (.npy, folder of .npy or images, IDX file)")->required();
  sub.add_option("-o,--output", a->output, "output .tflite")->required();
  sub.add_option("--observer", a->observer, "activation range observer: minmax (default), ema, percentile, mse, kl")
      ->check(CLI::IsMember({"minmax", "ema", "percentile", "mse", "kl"}));
  sub.add_flag("--per-tensor", a->per_tensor, "one conv/depthwise weight scale per tensor instead of per output channel");
  sub.add_option("--activations", a->activations, "int8 (default) or int16 (16x8: int16 activations, int8 weights)")
      ->check(CLI::IsMember({"int8", "int16"}));
  sub.add_option("--int16-layers", a->int16_layers, "output tensor names of ops to run in 16x8 (mixed precision)")->delimiter(',');
  sub.add_flag("--float-io", a->float_io, "keep float inputs/outputs: QUANTIZE/DEQUANTIZE at the edges");
  sub.add_option("--num-calib", a->num_calib, "use the first N calibration samples (default: all)");
  sub.add_flag("--bias-correction", a->bias_correction, "correct the bias for the weight rounding error (empirical)");
  sub.add_flag("--equalize", a->equalize, "cross-layer equalization of conv/depthwise pairs before quantizing");
  sub.add_option("--scale", a->scale, "integer calibration data: value * scale + offset (pixels default 1/255)");
  sub.add_option("--offset", a->offset, "integer calibration data: value * scale + offset (default 0)");
  sub.add_option("--print-ir-after", a->print_ir_after, "dump the IR after the named pass(es) to stderr")->delimiter(',');
  sub.add_flag("--print-ir-after-all", a->print_ir_after_all, "dump the IR after every pass to stderr");
  sub.add_flag("--print-ir-after-change", a->print_ir_after_change, "dump the IR after every pass that changed it");
  sub.add_flag("--no-verify-each", a->no_verify_each, "skip the verifier between passes (benchmarks only)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_quantize(*a, out);
  };
}

}  // namespace tinyopt::cli
