// tests/fuzz/target_file_fuzzer.cc: target files (targets/<board>.json, or the user's own through --target
// path.json) through load_target_file, then --kernels cmsis-nn resolution on the core it names. An accepted
// file must hold what reports/target.h promises: positive clock, flash, RAM and core scale, 32 or 64 bits, at
// least one source.
//
// Seeds: targets/*.json (scripts/fuzz.sh gathers them).
#include "reports/target.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {

int target_file_fuzzer(std::span<const uint8_t> input) {
  Expected<Target> t = load_target_file(scratch_file("target_file", input, ".json"));
  if (!t) return 0;
  if (!(t->clock_mhz > 0) || t->flash_bytes <= 0 || t->ram_bytes <= 0 || !(t->core_scale > 0) ||
      (t->word_bits != 32 && t->word_bits != 64) || t->sources.empty())
    property_failed("target_file", "an accepted target breaks the file format's rules");
  (void)resolve_kernels("cmsis-nn", t->core);
  return 0;
}

}  // namespace tinyopt::fuzz
