// bench/quantize_accuracy.cc: Fashion-MNIST accuracy of fmnist_cnn_float.tflite and of its int8 quantizations
// through the bundled int8 runtime, for every observer and with bias correction / cross-layer equalization on
// and off. Calibration: the first N training images (default 500); evaluation: all 10,000 test images.
// Usage: bench_quantize_accuracy [N_CALIB [OBSERVER]]   (prints a Markdown table for BENCHMARKS.md)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "calibration/calibration_data.h"
#include "bench/bench_support.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"
#include "runtime/metrics.h"

using namespace tinyopt;
using tinyopt::bench::accuracy;
using tinyopt::bench::die;

namespace {

const char* kData = bench::kFashionMnist;

}  // namespace

int main(int argc, char** argv) {
  size_t n_calib = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 500;
  std::string model = std::string(TINYOPT_SHARED_DIR) + "/models/fmnist_cnn_float.tflite";
  Expected<Graph> g = read_tflite_file(model);
  if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); return 2; }
  DatasetOptions first_n;
  first_n.max_samples = n_calib;
  Expected<Dataset> calib = open_calibration_data(std::string(kData) + "train-images-idx3-ubyte.gz", *g, first_n);
  Expected<Dataset> test = open_fashion_mnist(kData, "t10k");
  if (!calib || !test) { std::fprintf(stderr, "cannot read Fashion-MNIST from %s\n", kData); return 2; }
  double float_acc = accuracy(*g, *test);
  std::printf("| observer | bias correction | equalization | float %% | int8 %% | delta pp |\n|---|---|---|---|---|---|\n");
  for (const char* obs : {"minmax", "ema", "percentile", "mse", "kl"}) {
    if (argc > 2 && std::string(argv[2]) != obs) continue;
    for (int bc = 0; bc < 2; ++bc)
      for (int eq = 0; eq < 2; ++eq) {
        Graph q = *g;
        std::string text = std::string(eq ? "cross-layer-equalization," : "") + "quantize{observer=" + obs +
                           ",bias-correction=" + (bc ? "true" : "false") + "}";
        Expected<Pipeline> p = parse_pipeline(text);
        Expected<PassManager> pm = PassManager::from_pipeline(*p);
        PassContext ctx;
        ctx.calibration = &*calib;
        if (Expected<void> ok = pm->run(q, ctx); !ok) { std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()); return 3; }
        double acc = accuracy(q, *test);
        std::printf("| %s | %s | %s | %.2f | %.2f | %+.2f |\n", obs, bc ? "on" : "off", eq ? "on" : "off", float_acc, acc, acc - float_acc);
        std::fflush(stdout);
      }
  }
  return 0;
}
