// tests/fuzz/libfuzzer_main.cc: libFuzzer's entry point for one target. CMake builds one executable per
// tests/fuzz/<name>_fuzzer.cc from this file and that one, with TINYOPT_FUZZ_ENTRY set to <name>_fuzzer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tinyopt::fuzz::TINYOPT_FUZZ_ENTRY(std::span<const uint8_t>(data, size));
}
