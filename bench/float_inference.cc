// bench/float_inference.cc: single-thread float inference speed of the bundled interpreter on every shared float
// model, beside TFLite Micro's reference-kernel invoke time from ../shared/golden/<model>/meta.json.
//
// Usage: bench_float_inference [seconds per model, default 1.0] [shared dir, default TINYOPT_SHARED_DIR]
// TINYOPT_ISA=portable|avx2 picks the kernel variant (runtime/cpu_features.h).
// Each model: read, prepare, feed golden case 0's input (a deterministic pattern where there is none), 10 warm-up
// invokes, then invokes until the time budget is spent; reports the median of 5 equal slices.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/cpu_features.h"
#include "runtime/interpreter.h"

using namespace tinyopt;
namespace fs = std::filesystem;

namespace {

double tflm_invoke_us(const fs::path& meta) {
  std::ifstream f(meta);
  if (!f) return -1;
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.contains("invoke_us_median") || !j["invoke_us_median"].is_number()) return -1;
  return j["invoke_us_median"].get<double>();
}

void fill_inputs(Interpreter& it, const fs::path& golden_case) {
  for (size_t i = 0; i < it.num_inputs(); ++i) {
    TensorView v = it.input(i);
    auto x = read_npy(golden_case / ("input" + std::to_string(i) + ".npy"));
    if (x && x->data.size() == v.bytes.size()) {
      std::copy(x->data.begin(), x->data.end(), v.bytes.begin());
    } else if (v.dtype == DType::Float32) {
      auto f = v.as<float>();
      for (size_t k = 0; k < f.size(); ++k) f[k] = static_cast<float>((k * 37) % 101) / 50.0f - 1.0f;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const fs::path shared = argc > 2 ? fs::path(argv[2]) : fs::path(TINYOPT_SHARED_DIR);
  const std::vector<std::string> models = {"hello_world_float", "ad_autoencoder_float", "fmnist_cnn_float",
                                           "kws_dscnn_float", "ic_resnet8_float"};
  Expected<Isa> isa = select_isa_from_environment();  // TINYOPT_ISA=portable|avx2
  if (!isa) return std::fprintf(stderr, "error: %s\n", isa.error().to_string().c_str()), 2;
  std::printf("float runtime, ISA %s (CPU: %s), single thread\n", std::string(isa_name(*isa)).c_str(),
              cpu_feature_summary().c_str());
  std::printf("%-22s %5s %10s %12s %14s %16s %9s\n", "model", "ops", "arena B", "us/invoke", "invokes/s",
              "TFLM ref us", "speedup");
  int failures = 0;
  for (const std::string& m : models) {
    auto g = read_tflite_file(shared / "models" / (m + ".tflite"));
    if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); ++failures; continue; }
    auto it = Interpreter::create(*g);
    if (!it) { std::fprintf(stderr, "%s\n", it.error().to_string().c_str()); ++failures; continue; }
    fill_inputs(*it, shared / "golden" / m / "case0");
    for (int i = 0; i < 10; ++i) (void)it->invoke();

    using clock = std::chrono::steady_clock;
    // Calibrate the invokes per slice so that 5 slices take about `seconds`.
    int64_t per_slice = 1;
    for (;;) {
      const auto t0 = clock::now();
      for (int64_t i = 0; i < per_slice; ++i) (void)it->invoke();
      const double s = std::chrono::duration<double>(clock::now() - t0).count();
      if (s >= seconds / 50 || per_slice > (int64_t{1} << 30)) {
        per_slice = std::max<int64_t>(1, static_cast<int64_t>(per_slice * (seconds / 5) / std::max(s, 1e-9)));
        break;
      }
      per_slice *= 4;
    }
    std::vector<double> us;
    for (int slice = 0; slice < 5; ++slice) {
      const auto t0 = clock::now();
      for (int64_t i = 0; i < per_slice; ++i) (void)it->invoke();
      us.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count() / static_cast<double>(per_slice));
    }
    std::sort(us.begin(), us.end());
    const double median = us[2];
    const double tflm = tflm_invoke_us(shared / "golden" / m / "meta.json");
    char tflm_text[32] = "-", speed_text[32] = "-";
    if (tflm > 0) {
      std::snprintf(tflm_text, sizeof tflm_text, "%.1f", tflm);
      std::snprintf(speed_text, sizeof speed_text, "%.1fx", tflm / median);
    }
    std::printf("%-22s %5zu %10zu %12.2f %14.0f %16s %9s\n", m.c_str(), g->ops.size(), it->arena_bytes(), median,
                1e6 / median, tflm_text, speed_text);
  }
  return failures == 0 ? 0 : 1;
}
