// tests/shared_data.h: paths to ../shared (third-party models, TFLM golden outputs) for tests that use it.
// Such tests call SKIP_WITHOUT_SHARED() first, so the suite passes cleanly where ../shared is absent.
#pragma once

#include <filesystem>
#include <string>

#include <doctest/doctest.h>

namespace tinyopt::test {

inline std::filesystem::path shared_dir() { return TINYOPT_SHARED_DIR; }
inline std::filesystem::path shared_model(const std::string& file) { return shared_dir() / "models" / file; }
inline std::filesystem::path golden_dir(const std::string& model_stem) { return shared_dir() / "golden" / model_stem; }
inline bool have_shared() { return std::filesystem::exists(shared_dir() / "models"); }
// A committed fuzz input: tests/fuzz/<kind>/<target>/<file>, kind "regressions" or "corpus".
inline std::filesystem::path fuzz_input(const char* target, const char* kind, const char* file) {
  return std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz" / kind / target / file;
}

}  // namespace tinyopt::test

// Ends the current test case, with a message, when ../shared is not there.
#define SKIP_WITHOUT_SHARED()                                                     \
  do {                                                                            \
    if (!::tinyopt::test::have_shared()) {                                        \
      MESSAGE("skipped: ../shared not found at " << TINYOPT_SHARED_DIR);          \
      return;                                                                     \
    }                                                                             \
  } while (0)
