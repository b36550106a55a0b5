// tests/fuzz/regression_replay_test.cc: replays, in the ordinary test suite (and under CI's ASan + UBSan build),
// every committed fuzz input through the entry function its fuzzer uses: tests/fuzz/regressions/<target>/
// (inputs that once crashed or broke a property) and tests/fuzz/corpus/<target>/ (committed seeds). Each must
// return cleanly, an error or a success: a crash or sanitizer report fails the test binary.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "formats/atomic_file.h"
#include "passes/registry.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

namespace fs = std::filesystem;

struct FuzzTarget {
  const char* folder;  // tests/fuzz/{regressions,corpus}/<folder>
  int (*entry)(std::span<const uint8_t>);
};

constexpr FuzzTarget kTargets[] = {
    {"tflite_reader", tflite_reader_fuzzer}, {"onnx_reader", onnx_reader_fuzzer},
    {"npy", npy_fuzzer},                     {"npz", npz_fuzzer},
    {"idx", idx_fuzzer},                     {"image_loader", image_loader_fuzzer},
    {"target_file", target_file_fuzzer},     {"pipeline_parser", pipeline_parser_fuzzer},
    {"decode_ancillary", decode_ancillary_fuzzer},
};

// The files of `dir`, sorted, so that a failure names the same input on every machine.
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("fuzz regressions: every committed input returns cleanly through its fuzz target") {
  const fs::path root = fs::path(TINYOPT_SOURCE_DIR) / "tests" / "fuzz";
  size_t replayed = 0;
  for (const FuzzTarget& target : kTargets)
    for (const char* kind : {"regressions", "corpus"})
      for (const fs::path& file : files_in(root / kind / target.folder)) {
        CAPTURE(file.string());
        Expected<std::vector<uint8_t>> bytes = read_file(file);
        REQUIRE(bytes.has_value());
        CHECK(target.entry(*bytes) == 0);
        ++replayed;
      }
  MESSAGE("replayed " << replayed << " inputs");
  CHECK(replayed > 0);
}

TEST_CASE("fuzz registry: the pipeline fuzzer parses against the built-in passes' option tables") {
  // pipeline_fuzz_registry() copies the tables so that the fuzz build links no pass; this keeps the copy honest.
  const PassRegistry& fuzz = pipeline_fuzz_registry();
  for (const PassInfo& real : PassRegistry::builtin().all()) {
    CAPTURE(real.name);
    const PassInfo* copy = fuzz.find(real.name);
    REQUIRE_MESSAGE(copy, "add the pass to pipeline_fuzz_registry() in tests/fuzz/pipeline_parser_fuzzer.cc");
    REQUIRE(copy->options.size() == real.options.size());
    for (size_t i = 0; i < real.options.size(); ++i) {
      const OptionSpec &a = real.options[i], &b = copy->options[i];
      CAPTURE(a.name);
      CHECK(b.name == a.name);
      CHECK(b.kind == a.kind);
      CHECK(b.default_value == a.default_value);
      CHECK(b.choices == a.choices);
      CHECK(b.min == a.min);
      CHECK(b.max == a.max);
    }
  }
}

}  // namespace tinyopt::fuzz
