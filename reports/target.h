// reports/target.h: an MCU board the resource report can target, read at run time from a JSON data file
// (targets/<name>.json), so a user adds a board without recompiling.
//
// File format (every field required unless marked optional):
//   name         string   short id used by --target ("stm32l4r5")
//   board        string   optional, the development board
//   mcu          string   optional, the part number
//   core         string   "Cortex-M4F", "Xtensa LX7", ...
//   clock_mhz    number   > 0, the clock the latency is computed at
//   flash_bytes  integer  > 0
//   ram_bytes    integer  > 0, the RAM one tensor arena can use
//   kernels      string   kernel family: reference | cmsis-nn-scalar | cmsis-nn-dsp | cmsis-nn-mve | esp-nn
//   word_bits    integer  32 or 64: pointer width of the TFLM build (struct sizes in the arena)
//   core_scale   number   > 0, cycles relative to the core the family's coefficients were set on (1.0)
//   active_power_mw number optional, power while running inference: energy = power x latency
//   notes        string   optional
//   sources      [string] where the numbers come from (at least one)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "reports/kernel_family.h"

namespace tinyopt {

struct Target {
  std::string name, board, mcu, core;
  double clock_mhz = 0;
  int64_t flash_bytes = 0;
  int64_t ram_bytes = 0;
  KernelFamily kernels = KernelFamily::Reference;
  int word_bits = 32;
  double core_scale = 1.0;
  std::optional<double> active_power_mw;
  std::string notes;
  std::vector<std::string> sources;
  std::filesystem::path file;  // where it was read from
};

// Parses one target file. Every missing or bad field is reported, one line each, in a single error.
Expected<Target> load_target_file(const std::filesystem::path& path);

// Every *.json target in `dir`, sorted by name. A bad file is an error naming it.
Expected<std::vector<Target>> load_targets_dir(const std::filesystem::path& dir);

// The folder of the bundled targets: $TINYOPT_TARGETS if set, else <exe dir>/targets, <exe dir>/../share/tinyopt/
// targets, <exe dir>/../targets, then the source tree's targets/ (compiled in). nullopt if none exists.
std::optional<std::filesystem::path> find_targets_dir(const std::filesystem::path& executable);

// Resolves a --target value: a path to a .json file, or a name in `dir`. An unknown name is an error listing the
// known ones.
Expected<Target> resolve_target(const std::string& spec, const std::optional<std::filesystem::path>& dir);

// Resolves a --kernels override for `core`: a family name, or "cmsis-nn" (the CMSIS-NN variant the core supports:
// MVE on M55/M85, DSP on M4/M7/M33, scalar otherwise).
Expected<KernelFamily> resolve_kernels(const std::string& spec, const std::string& core);

}  // namespace tinyopt
