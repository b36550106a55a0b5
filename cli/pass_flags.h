// cli/pass_flags.h: a pass's option table as a subcommand's CLI flags, so a preset command (`quantize`, and the
// coming `prune`, `distill`) declares no option a second time: `--<option>` per option, with the table's help,
// enum choices checked by CLI11, lists comma-separated, bools as plain flags. The values are checked and made
// canonical by the same function the pipeline parser uses; an error names the flag.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "passes/pass.h"

namespace tinyopt::cli {

struct PassFlags {
  std::string pass;                          // the pass whose options these are
  std::map<std::string, std::string> given;  // option name -> value as typed on the command line
};

// Adds a flag per option of `info` to `sub`, except those named in `except` (a preset may set them itself).
void add_pass_flags(CLI::App& sub, const PassInfo& info, PassFlags& flags, const std::vector<std::string>& except = {});

// The pass's spec: defaults, then the flags given, then `overrides` (a preset's own flags, e.g. --per-tensor
// meaning weights=per-tensor). A bad value is a BadInput error naming the flag.
Expected<PassSpec> pass_spec_from_flags(const PassInfo& info, const PassFlags& flags,
                                        const std::map<std::string, std::string>& overrides = {});

}  // namespace tinyopt::cli
