// cli/main.cc: the `tinyopt` executable: global flags, the table of subcommands, and the one place where
// failures become exit codes (0 ok, 1 a check failed, 2 bad input or usage, 3 internal error).
//
// Adding a subcommand `foo` takes two lines, like git's commands[] table:
//   1. cli/commands.h:  CommandRun add_foo(CLI::App& sub);          (implemented in cli/cmd_foo.cc)
//   2. kCommands below: {"foo", "one-line help", add_foo},           (kept alphabetical)
// The subcommand file declares its options on `sub` and returns the function that runs it (see commands.h).
//
// Global flags -q, -v, -vv (spdlog level) are accepted before or after the subcommand name. No exception
// escapes main: usage errors exit 2, anything unexpected is reported as an internal error and exits 3.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "runtime/cpu_features.h"

namespace tinyopt::cli {
namespace {

struct Command {
  const char* name;
  const char* help;
  AddCommand add;
};

// One line per subcommand, alphabetical.
const Command kCommands[] = {
    {"calibrate", "Observe a float model's activations over calibration data (shardable) for quantize --stats",
     add_calibrate},
    {"compress", "Store int8 weights in TFLite Micro's TFLM_DECODE encodings (LUT / prune) where it saves flash",
     add_compress},
    {"convert", "Convert a float ONNX model (PyTorch export) to a float .tflite", add_convert},
    {"distill", "Knowledge-distillation fine-tuning of a (pruned, clustered) float model towards a teacher",
     add_distill},
    {"export", "Write a model as C++ sources (array, arena size, op resolver) or an Arduino library", add_export},
    {"inspect", "Show a model's inputs, outputs, ops, parameters and MACs", add_inspect},
    {"merge", "Combine the parts of sharded calibrate / verify runs into one result (exactly)", add_merge},
    {"optimize", "Run any pipeline of passes on a model (-p or --config), with per-pass figures and provenance",
     add_optimize},
    {"passes", "List the optimization passes and their options (the pipeline syntax)", add_passes},
    {"prune", "Magnitude pruning of a float model: element, N:M or whole channels (--analyze: sensitivity)", add_prune},
    {"quantize", "Post-training int8 quantization of a float model with calibration data", add_quantize},
    {"report", "Flash, RAM (TFLM arena) and cycles of a model on target MCUs; exit 1 if it does not fit",
     add_report},
    {"run", "Run a model on .npy inputs with the bundled runtime and write .npy outputs", add_run},
    {"targets", "List the target boards the report knows (targets/*.json)", add_targets},
    {"verify", "Compare a candidate model with a reference over data; exit 1 when a threshold is crossed", add_verify},
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "error: %s\nRun 'tinyopt --help' (or 'tinyopt <command> --help') for usage.\n", message.c_str());
  return kExitBadInput;
}

int run_main(int argc, char** argv) {
  CLI::App app{"tinyopt: make TensorFlow Lite models fit on microcontrollers (quantize, prune, report, run)",
               "tinyopt"};
  // TINYOPT_ISA=portable|avx2|avx512vnni forces the runtime kernels' ISA variant; an unknown or unsupported one is
  // a usage error before anything runs.
  Expected<Isa> isa = select_isa_from_environment();
  if (!isa) {
    std::fprintf(stderr, "error: %s\n", isa.error().to_string().c_str());
    return kExitBadInput;
  }
  app.set_version_flag("--version", fmt::format("tinyopt {} (runtime ISA: {}; CPU: {})", TINYOPT_VERSION,
                                                isa_name(*isa), cpu_feature_summary()));
  app.require_subcommand(0, 1);
  bool quiet = false;
  int verbosity = 0;
  app.add_flag("-q,--quiet", quiet, "print errors only");
  app.add_flag("-v,--verbose", verbosity, "more log output on stderr (-vv: trace)");

  std::vector<std::pair<CLI::App*, CommandRun>> subcommands;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    sub->fallthrough();  // lets -q/-v follow the subcommand name
    subcommands.emplace_back(sub, c.add(*sub));
  }

  // The first argument that is not a flag names the command; say so plainly when it is unknown.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') continue;
    std::string names;
    bool known = false;
    for (const Command& c : kCommands) {
      known = known || arg == c.name;
      names += (names.empty() ? "" : ", ") + std::string(c.name);
    }
    if (!known) return usage_error("unknown command '" + arg + "' (commands: " + names + ")");
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  set_log_level(quiet, verbosity);

  for (auto& [sub, run] : subcommands) {
    if (!sub->parsed()) continue;
    Output out;
    return run(out);
  }
  std::fputs(app.help().c_str(), stderr);
  return usage_error("no command given");
}

}  // namespace
}  // namespace tinyopt::cli

int main(int argc, char** argv) {
  try {
    return tinyopt::cli::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: internal error: %s\n", e.what());
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: internal error: unknown exception\n");
  }
  return tinyopt::cli::kExitInternal;
}
