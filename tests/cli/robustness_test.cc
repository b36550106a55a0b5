// tests/cli/robustness_test.cc: the whole tool on damaged models. A few hundred models mutated from small shared
// models (fixed seed: byte flips, 32-bit words set to boundary values, truncations, zeroed runs) go through the
// built `tinyopt` binary's inspect, run, quantize and report. Each command must exit 0, 1 or 2 (never 3, a
// signal or a hang: each runs under a timeout) and leave no output file when it fails. Sanitizer reports abort
// the child, so under CI's ASan + UBSan build they show up as a signal.
//
// A failing case is saved to <build>/robustness-failures/ with its seed and mutation in the test message. The ASan
// build runs the first quarter of the cases, to keep CI's sanitizer step short.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "formats/atomic_file.h"
#include "formats/npy/npy.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kSeed = 18;        // issue 18
#ifdef __SANITIZE_ADDRESS__
constexpr int kCasesPerModel = 25;    // under ASan each tinyopt start costs ~0.1 s: 400 cases took 3 minutes
#else
constexpr int kCasesPerModel = 100;
#endif
constexpr int kTimeoutSeconds = 60;   // generous for the ASan build; a healthy case takes milliseconds

// The base models: small, and between them float, int8 and hybrid (kws_dscnn_float's int8 conv weights).
struct BaseModel {
  const char* file;
  Shape input;  // for the zero input of `run` and the calibration data of `quantize`
};
const BaseModel kBaseModels[] = {
    {"hello_world_float.tflite", {1, 1}},
    {"hello_world_int8.tflite", {1, 1}},
    {"kws_dscnn_float.tflite", {1, 49, 10, 1}},
    {"kws_dscnn_int8.tflite", {1, 49, 10, 1}},
};

// Damages `bytes` in one of four ways and says how, for the failure message.
std::string mutate(std::vector<uint8_t>& bytes, std::mt19937& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  // Most of the flatbuffer's tables sit in the first and last kilobytes, the weights in between.
  auto position = [&] {
    const size_t region = std::min<size_t>(bytes.size(), 1024);
    return pick(2) ? pick(region) : bytes.size() - 1 - pick(region);
  };
  switch (pick(4)) {
    case 0: {
      const size_t flips = 1 + pick(8);
      for (size_t k = 0; k < flips; ++k) bytes[position()] ^= static_cast<uint8_t>(1u << pick(8));
      return std::to_string(flips) + " bit flips";
    }
    case 1: {
      static const uint32_t kBoundary[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff};
      const size_t at = position() & ~size_t{3};
      const uint32_t v = kBoundary[pick(std::size(kBoundary))];
      if (at + 4 <= bytes.size()) std::memcpy(bytes.data() + at, &v, 4);
      return "word at " + std::to_string(at) + " set to " + std::to_string(v);
    }
    case 2: {
      const size_t keep = pick(bytes.size());
      bytes.resize(keep);
      return "truncated to " + std::to_string(keep) + " bytes";
    }
    default: {
      const size_t at = position(), n = std::min(bytes.size() - at, 1 + pick(64));
      std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, uint8_t{0});
      return std::to_string(n) + " bytes zeroed at " + std::to_string(at);
    }
  }
}

// How a command ended, from std::system's wait status of `timeout ... sh`.
struct Ending {
  int exit = -1;        // exit status, when it exited
  bool hung = false;    // killed by the timeout
  int signal = 0;       // killed by a signal (sh reports 128 + n)
};

Ending run_tinyopt(const std::string& args) {
  // Sanitizer reports abort (a signal), so they cannot hide behind exit status 1.
  const std::string command = "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=1\" "
                              "UBSAN_OPTIONS=\"${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:abort_on_error=1\" "
                              "timeout -s KILL " + std::to_string(kTimeoutSeconds) + " " + TINYOPT_BINARY_DIR +
                              "/tinyopt -q " + args + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  Ending e;
  if (!WIFEXITED(status)) { e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : -1; return e; }
  const int code = WEXITSTATUS(status);
  if (code == 137) e.hung = true;  // timeout's SIGKILL, as sh reports it
  else if (code > 128) e.signal = code - 128;
  else e.exit = code;
  return e;
}

}  // namespace

TEST_CASE("robustness: inspect, run, quantize and report on mutated models exit 0, 1 or 2 and leave no output on failure") {
  SKIP_WITHOUT_SHARED();
  const fs::path dir = fs::path(TINYOPT_BINARY_DIR) / "robustness";
  const fs::path failures = fs::path(TINYOPT_BINARY_DIR) / "robustness-failures";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(kSeed);
  int cases = 0, read_ok = 0;
  for (const BaseModel& base : kBaseModels) {
    Expected<std::vector<uint8_t>> original = read_file(test::shared_model(base.file));
    REQUIRE(original.has_value());
    // A zero sample for `run`, and two samples of calibration data for `quantize`.
    const fs::path zero = dir / "zero.npy", calib = dir / "calib.npy";
    NpyArray a{DType::Float32, base.input, std::vector<uint8_t>(static_cast<size_t>(num_elements(base.input)) * 4)};
    REQUIRE(write_npy(zero, a).has_value());
    a.shape.insert(a.shape.begin(), 2);
    a.data.resize(a.data.size() * 2, 0x3e);  // the second sample: 0.18 in every float (0x3e3e3e3e)
    REQUIRE(write_npy(calib, a).has_value());

    for (int i = 0; i < kCasesPerModel; ++i, ++cases) {
      std::vector<uint8_t> bytes = *original;
      const std::string how = mutate(bytes, rng);
      const fs::path model = dir / "model.tflite", out_npy = dir / "out.npy", out_model = dir / "out.tflite",
                     out_json = dir / "report.json";
      REQUIRE(write_file_atomically(model, bytes).has_value());
      const std::string m = model.string();
      const std::vector<std::pair<std::string, fs::path>> commands = {
          {"inspect " + m + " --json", {}},
          {"run " + m + " --input " + zero.string() + " --output " + out_npy.string() + " --threads 1", out_npy},
          {"quantize " + m + " --calib " + calib.string() + " -o " + out_model.string(), out_model},
          {"report " + m + " --target stm32f746 --json " + out_json.string(), out_json},
      };
      for (const auto& [args, output] : commands) {
        const Ending e = run_tinyopt(args);
        const bool ok = e.exit >= 0 && e.exit <= 2;
        const bool left_output = e.exit != 0 && !output.empty() && fs::exists(output);
        if (!ok || left_output) {
          fs::create_directories(failures);
          const fs::path kept = failures / ("case" + std::to_string(cases) + ".tflite");
          (void)write_file_atomically(kept, bytes);
          const std::string ending = e.hung     ? std::string("hung")
                                     : e.signal ? "killed by signal " + std::to_string(e.signal)
                                                : "exit " + std::to_string(e.exit);
          const std::string message = "seed " + std::to_string(kSeed) + ", case " + std::to_string(cases) + " (" + base.file + ", " +
                     how + ", saved as " + kept.string() + "): tinyopt " + args + ": " + ending +
                     (left_output ? ", and left its output file" : "");
          FAIL_CHECK(message);
        }
        if (args.starts_with("inspect") && e.exit == 0) ++read_ok;
        if (!output.empty()) fs::remove(output);
      }
    }
  }
  MESSAGE(cases << " mutated models, " << read_ok << " of them still readable");
  fs::remove_all(dir);
}

}  // namespace tinyopt
