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

namespace tinyopt::cli {

using CommandRun = std::function<int(Output&)>;
using AddCommand = CommandRun (*)(CLI::App& sub);

// Adds --json to `sub`, bound to `flag` (the same flag and help text in every subcommand).
inline void add_json_flag(CLI::App& sub, bool& flag) {
  sub.add_flag("--json", flag, "print one JSON document on stdout instead of text");
}

// One line per subcommand, alphabetical.
CommandRun add_compress(CLI::App& sub);
CommandRun add_inspect(CLI::App& sub);
CommandRun add_passes(CLI::App& sub);
CommandRun add_quantize(CLI::App& sub);
CommandRun add_report(CLI::App& sub);
CommandRun add_run(CLI::App& sub);
CommandRun add_targets(CLI::App& sub);

}  // namespace tinyopt::cli
