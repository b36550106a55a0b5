// cli/cmd_quantize.cc: `tinyopt quantize MODEL --calib DATA -o OUT.tflite`: post-training int8 quantization, a
// preset pipeline of the driver (passes/driver.h); `--stats FILE` uses `tinyopt calibrate`'s statistics instead:
//   dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead[,cross-layer-equalization],quantize{...}
// The quantize pass's options are its flags (cli/pass_flags.h: declared once, in passes/quantize.cc); --per-tensor
// and --equalize are this preset's own. Prints the per-pass summary lines and the result, or one JSON document.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "calibration/progress.h"
#include "cli/commands.h"
#include "cli/pass_flags.h"
#include "passes/calibration_job.h"
#include "passes/driver.h"

namespace tinyopt::cli {
namespace {

struct QuantizeArgs {
  DriverInputs inputs;
  PassFlags quantize;  // the quantize pass's own options
  bool per_tensor = false, equalize = false, json = false, compress = false;
  int cluster_bits = 0;  // 0: no clustering
  std::vector<std::string> print_ir_after;
  bool print_ir_after_all = false, print_ir_after_change = false, no_verify_each = false;
};

// The preset: the preparation passes, cross-layer equalization when asked, then quantize with the flags' options.
Expected<Pipeline> quantize_pipeline(const QuantizeArgs& a) {
  const PassRegistry& registry = PassRegistry::builtin();
  Pipeline p = quantize_preparation(a.equalize);
  if (a.cluster_bits > 0) {  // after equalization (which rescales within channels), on the weights quantize scales
    PassSpec cluster = registry.find("cluster")->default_spec();
    cluster.options["bits"] = std::to_string(a.cluster_bits);
    if (a.per_tensor) cluster.options["granularity"] = "tensor";
    p.push_back(std::move(cluster));
  }
  std::map<std::string, std::string> preset;
  if (a.per_tensor) preset["weights"] = "per-tensor";
  Expected<PassSpec> quantize = pass_spec_from_flags(*registry.find("quantize"), a.quantize, preset);
  if (!quantize) return quantize.take_error();
  p.push_back(std::move(*quantize));
  if (a.compress) p.push_back(registry.find("compress")->default_spec());
  return p;
}

int run_quantize(QuantizeArgs& a, Output& out) {
  if (a.inputs.calibration.empty() && a.inputs.stats.empty())
    return out.fail(fail(Errc::BadInput, {}, "--calib is required (or --stats FILE from tinyopt calibrate)"));
  Expected<Pipeline> pipeline = quantize_pipeline(a);
  if (!pipeline) return out.fail(pipeline.take_error());
  // The calibration loader reads only the samples the pass will use (its num-calib option).
  for (const PassSpec& s : *pipeline)
    if (s.name == "quantize") a.inputs.calibration_options.max_samples = std::stoull(s.options.at("num-calib"));

  DriverOptions options;
  options.verify_each = !a.no_verify_each;
  // The preset's models stay byte-identical to those recorded in tests/passes/data/quantize_sha256.txt (pipeline
  // metadata only); `tinyopt optimize` stamps the full provenance.
  options.provenance = false;
  options.progress = !out.json() && stderr_is_terminal();
  // Per-pass summary lines are informational: -q (log level err) silences them.
  if (!out.json() && spdlog::should_log(spdlog::level::info))
    options.instruments.push_back(std::make_unique<SummaryInstrument>(stderr));
  using Mode = IrPrinterInstrument::Mode;
  if (a.print_ir_after_all) options.instruments.push_back(std::make_unique<IrPrinterInstrument>(stderr, Mode::All));
  else if (a.print_ir_after_change)
    options.instruments.push_back(std::make_unique<IrPrinterInstrument>(stderr, Mode::Changed));
  else if (!a.print_ir_after.empty())
    options.instruments.push_back(std::make_unique<IrPrinterInstrument>(stderr, Mode::Named, a.print_ir_after));

  Expected<DriverResult> r = run_pipeline(*pipeline, a.inputs, std::move(options));
  if (!r) return out.fail(r.take_error());
  // Fallbacks are the quantize pass's notes (zero-width ranges, all-zero channels); the notes of cluster or
  // compress (a tensor left plain) are shown with their pass, not counted as fallbacks.
  std::vector<std::string> fallbacks;
  for (const PassRunRecord& rec : r->records)
    if (rec.pass == "quantize" || rec.pass.starts_with("quantize{"))
      fallbacks.insert(fallbacks.end(), rec.result.notes.begin(), rec.result.notes.end());

  if (out.json()) {
    nlohmann::ordered_json j;
    j["model"] = a.inputs.model;
    j["output"] = a.inputs.output;
    j["pipeline"] = r->pipeline;
    j["calibration_samples"] = r->calibration_samples;
    nlohmann::ordered_json passes = nlohmann::ordered_json::array();
    for (const PassRunRecord& rec : r->records)
      passes.push_back({{"pass", rec.pass}, {"changed", rec.result.changed}, {"summary", rec.result.summary},
                        {"counters", rec.result.counters}, {"notes", rec.result.notes}, {"seconds", rec.seconds}});
    j["passes"] = passes;
    j["fallbacks"] = fallbacks;
    out.emit_json("quantize", 1, j);
  } else {
    out.print(fmt::format("wrote {} ({} ops, {} calibration samples)\npipeline: {}\n", a.inputs.output,
                          r->graph.ops.size(), r->calibration_samples, r->pipeline));
    if (!fallbacks.empty()) out.print(fmt::format("{} fallback(s) applied; see the notes above\n", fallbacks.size()));
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
  sub.add_option("model", a->inputs.model, "float model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, a->inputs.model_options);
  CLI::Option* calib =
      sub.add_option("--calib", a->inputs.calibration, "calibration data (.npy, folder of .npy or images, IDX file)");
  sub.add_option("--stats", a->inputs.stats, "precomputed statistics from tinyopt calibrate (instead of --calib)")
      ->excludes(calib);
  sub.add_option("-o,--output", a->inputs.output, "output .tflite")->required();
  add_pass_flags(sub, *PassRegistry::builtin().find("quantize"), a->quantize, {"weights"});
  sub.add_flag("--per-tensor", a->per_tensor, "one conv/depthwise weight scale per tensor instead of per output channel");
  sub.add_flag("--equalize", a->equalize, "cross-layer equalization of conv/depthwise pairs before quantizing");
  sub.add_option("--cluster", a->cluster_bits,
                 "cluster weights to at most 2^BITS values per channel (per tensor for fully connected) first")
      ->check(CLI::Range(1, 7));
  sub.add_flag("--compress", a->compress, "then store weights in TFLM_DECODE encodings where it saves flash");
  sub.add_option("--scale", a->inputs.calibration_options.scale,
                 "integer calibration data: value * scale + offset (pixels default 1/255)");
  sub.add_option("--offset", a->inputs.calibration_options.offset,
                 "integer calibration data: value * scale + offset (default 0)");
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
