// cli/commands.h: the declaration of every subcommand's set-up function, one line each, and the types they use.
//
// A subcommand lives in cli/cmd_<name>.cc and exports one function:
//
//   CommandRun add_<name>(CLI::App& sub);
//
// It declares its options and positionals on `sub` (the subcommand app created by cli/main.cc from the table
// there), binding them to an args struct it owns through a shared_ptr, and returns the function that runs the
// command once parsing succeeded. That function parses nothing itself: it calls the library, prints through
// Output, and returns an exit code (kExitOk, kExitCheckFailed, or out.fail(error)).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "formats/model_reader.h"

namespace tinyopt::cli {

using CommandRun = std::function<int(Output&)>;
using AddCommand = CommandRun (*)(CLI::App& sub);

// Adds --json to `sub`, bound to `flag` (the same flag and help text in every subcommand).
inline void add_json_flag(CLI::App& sub, bool& flag) {
  sub.add_flag("--json", flag, "print one JSON document on stdout instead of text");
}

// Adds --keep-nchw-input (how an ONNX model's rank-4 inputs are laid out; formats/onnx/reader.h).
inline void add_model_read_flags(CLI::App& sub, ModelReadOptions& options) {
  sub.add_flag("--keep-nchw-input", options.onnx.keep_nchw_input,
               "ONNX models: keep rank-4 inputs NCHW, as PyTorch feeds them (a leading TRANSPOSE makes them NHWC); "
               "by default they become NHWC");
}

// One line per subcommand, alphabetical.
CommandRun add_calibrate(CLI::App& sub);
CommandRun add_compress(CLI::App& sub);
CommandRun add_convert(CLI::App& sub);
CommandRun add_distill(CLI::App& sub);
CommandRun add_export(CLI::App& sub);
CommandRun add_inspect(CLI::App& sub);
CommandRun add_merge(CLI::App& sub);
CommandRun add_optimize(CLI::App& sub);
CommandRun add_passes(CLI::App& sub);
CommandRun add_prune(CLI::App& sub);
CommandRun add_quantize(CLI::App& sub);
CommandRun add_report(CLI::App& sub);
CommandRun add_run(CLI::App& sub);
CommandRun add_targets(CLI::App& sub);
CommandRun add_verify(CLI::App& sub);

}  // namespace tinyopt::cli
