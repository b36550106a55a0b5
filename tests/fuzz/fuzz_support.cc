// tests/fuzz/fuzz_support.cc: what every fuzz target shares: failing a property, and scratch files for readers
// that take a path.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {

void property_failed(std::string_view target, const std::string& what) {
  std::fprintf(stderr, "fuzz property failed: %.*s: %s\n", static_cast<int>(target.size()), target.data(), what.c_str());
  std::abort();
}

std::filesystem::path scratch_file(std::string_view target, std::span<const uint8_t> input,
                                   std::string_view extension) {
  // In memory when possible: on a disk-backed /tmp, writing the file costs ten times the reading.
  static const std::filesystem::path dir = [] {
    if (access("/dev/shm", W_OK) == 0) return std::filesystem::path("/dev/shm");
    const char* tmp = std::getenv("TMPDIR");
    return std::filesystem::path(tmp && *tmp ? tmp : "/tmp");
  }();
  // One file per process and target: libFuzzer's -fork/-jobs workers are separate processes.
  const std::filesystem::path path =
      dir / ("tinyopt_fuzz_" + std::string(target) + "_" + std::to_string(getpid()) + std::string(extension));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
  if (!f) property_failed(target, "cannot write the scratch file " + path.string());
  return path;
}

}  // namespace tinyopt::fuzz
