// cli/cmd_compress.cc: `tinyopt compress MODEL -o OUT.tflite`: stores the int8 weights of a quantized model in
// TFLite Micro's TFLM_DECODE encodings where that saves flash (passes/compress.cc), a one-pass preset of the
// driver (passes/driver.h). The pass's options are the flags (cli/pass_flags.h). Prints the summary, each tensor
// left plain and why, and the file sizes, or one JSON document.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/pass_flags.h"
#include "passes/driver.h"

namespace tinyopt::cli {
namespace {

struct CompressArgs {
  DriverInputs inputs;
  PassFlags compress;
  bool json = false;
};

int run_compress(CompressArgs& a, Output& out) {
  const PassRegistry& registry = PassRegistry::builtin();
  Expected<PassSpec> spec = pass_spec_from_flags(*registry.find("compress"), a.compress);
  if (!spec) return out.fail(spec.take_error());
  DriverOptions options;
  if (!out.json() && spdlog::should_log(spdlog::level::info))
    options.instruments.push_back(std::make_unique<SummaryInstrument>(stderr));
  Expected<DriverResult> r = run_pipeline({*spec}, a.inputs, std::move(options));
  if (!r) return out.fail(r.take_error());
  std::error_code ec;
  const auto in_bytes = std::filesystem::file_size(a.inputs.model, ec);
  const auto out_bytes = std::filesystem::file_size(a.inputs.output, ec);
  const PassResult& result = r->records.back().result;
  if (out.json()) {
    nlohmann::ordered_json j;
    j["model"] = a.inputs.model;
    j["output"] = a.inputs.output;
    j["pipeline"] = r->pipeline;
    j["file_bytes_before"] = in_bytes;
    j["file_bytes_after"] = out_bytes;
    j["summary"] = result.summary;
    j["counters"] = result.counters;
    j["notes"] = result.notes;
    out.emit_json("compress", 1, j);
  } else {
    out.print(fmt::format("wrote {}: {} -> {} bytes\n{}\n", a.inputs.output, in_bytes, out_bytes, result.summary));
  }
  return kExitOk;
}

}  // namespace

CommandRun add_compress(CLI::App& sub) {
  auto a = std::make_shared<CompressArgs>();
  sub.footer(
      "Encodes each int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED weight tensor with a look-up table (when its\n"
      "channels have few distinct values: cluster before quantizing) or as a prune bitmask (when it is sparse),\n"
      "whichever is smaller, and leaves it plain when neither saves --min-saving bytes. Each encoded tensor is\n"
      "decoded by a TFLM_DECODE op before its consumer: TFLite Micro runs it with MicroMutableOpResolver::AddDecode().\n"
      "Decoded weights live in the tensor arena while in use (see `tinyopt report`). Arm NN does not know TFLM_DECODE.");
  sub.add_option("model", a->inputs.model, "int8 .tflite model")->required();
  sub.add_option("-o,--output", a->inputs.output, "output .tflite")->required();
  add_pass_flags(sub, *PassRegistry::builtin().find("compress"), a->compress);
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_compress(*a, out);
  };
}

}  // namespace tinyopt::cli
