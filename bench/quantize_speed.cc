// bench/quantize_speed.cc: seconds per 1,000 calibration samples of the whole `tinyopt quantize` pipeline
// (dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,quantize) for each shared float model,
// with the minmax observer (cheapest statistics) and kl (histogram + range search). Calibration inference
// dominates; it runs on every core (calibrate() splits samples over threads). Inputs: uniform [0, 1) floats
// (float inference time does not depend on the values).
//
// Usage: bench_quantize_speed [N_SAMPLES]   (default 1000; prints a Markdown table for BENCHMARKS.md)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "formats/dataset/dataset.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"

using namespace tinyopt;

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 1000;
  const std::string dir = std::string(TINYOPT_SHARED_DIR) + "/models/";
  std::printf("%zu calibration samples, %u hardware threads\n\n", n, std::thread::hardware_concurrency());
  std::printf("| model | observer | seconds | seconds per 1,000 samples |\n|---|---|---|---|\n");
  for (const char* stem : {"hello_world_float", "ad_autoencoder_float", "fmnist_cnn_float", "kws_dscnn_float", "ic_resnet8_float"}) {
    Expected<Graph> g = read_tflite_file(dir + stem + ".tflite");
    if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); return 2; }
    const Tensor& in = g->tensor(g->inputs[0]);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> x(n * static_cast<size_t>(num_elements(in.shape)));
    for (float& v : x) v = u(rng);
    const Dataset data = Dataset::from_floats(in.shape, std::move(x), {}, "uniform [0, 1)");
    for (const char* obs : {"minmax", "kl"}) {
      Graph q = *g;
      Expected<Pipeline> p = parse_pipeline(std::string("dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,quantize{observer=") + obs + "}");
      Expected<PassManager> pm = PassManager::from_pipeline(*p);
      PassContext ctx;
      ctx.calibration = &data;
      auto t0 = std::chrono::steady_clock::now();
      if (Expected<void> ok = pm->run(q, ctx); !ok) { std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()); return 3; }
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("| %s | %s | %.3f | %.3f |\n", stem, obs, s, s * 1000.0 / static_cast<double>(n));
      std::fflush(stdout);
    }
  }
  return 0;
}
