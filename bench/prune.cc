// bench/prune.cc: what pruning buys on the bundled Fashion-MNIST example, and how fast the pass is.
//
// Part 1: the example model dense and pruned (channel to half the MACs, uniform and global; element 80%; 2:4),
// each then quantized (500 training images); MACs, parameters, float and int8 file bytes, float and int8
// accuracy on the 10,000 test images. No fine-tuning: the distillation pass recovers accuracy.
// Part 2: seconds per prune pass (median of 5) on every shared float model and on a ~2 MB synthetic model.
// Usage: bench_prune [--speed-only]      (prints Markdown tables for BENCHMARKS.md)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "calibration/calibration_data.h"
#include "bench/bench_support.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "passes/pass_manager.h"
#include "reports/model_stats.h"
#include "runtime/metrics.h"
#include "train/model_builder.h"

using namespace tinyopt;
using tinyopt::bench::accuracy;
using tinyopt::bench::die;

namespace {

const char* kData = bench::kFashionMnist;

Graph run(const Graph& in, const std::string& pipeline, const Dataset* calib = nullptr) {
  Graph g = in;
  Expected<Pipeline> p = parse_pipeline(pipeline);
  if (!p) die(p.error());
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  if (!pm) die(pm.error());
  PassContext ctx;
  ctx.calibration = calib;
  if (Expected<void> ok = pm->run(g, ctx); !ok) die(ok.error());
  return g;
}

size_t file_bytes(const Graph& g) {
  Expected<std::vector<uint8_t>> b = write_tflite(g);
  if (!b) die(b.error());
  return b->size();
}

// input [1,32,32,3] -> conv 3x3 64 -> dw/2 -> conv 1x1 128 -> dw/2 -> conv 1x1 256 -> flatten -> FC 32 -> FC 10:
// about 2.2 MB of float weights, most of them in the first FC (16,384 x 32).
Graph synthetic_2mb() {
  ModelBuilder b(11);
  const WindowSpec relu{.activation = Activation::Relu};
  const WindowSpec relu_s2{.stride_h = 2, .stride_w = 2, .activation = Activation::Relu};
  TensorId x = b.input("input", {1, 32, 32, 3});
  x = b.conv_2d(x, 64, 3, 3, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu_s2), 128, 1, 1, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu_s2), 256, 1, 1, relu);
  x = b.fully_connected(b.reshape(x, {1, 8 * 8 * 256}), 32, Activation::Relu);
  Expected<Graph> g = b.finish({b.softmax(b.fully_connected(x, 10))}, "output");
  if (!g) die(g.error());
  return std::move(*g);
}

double median_seconds(const Graph& g, const std::string& prune) {
  std::vector<double> t;
  for (int k = 0; k < 5; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    Graph p = run(g, prune);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

}  // namespace

int main(int argc, char** argv) {
  const bool speed_only = argc > 1 && std::strcmp(argv[1], "--speed-only") == 0;
  const std::string prep = "dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead";
  if (!speed_only) {
    Expected<Graph> model = read_tflite_file(std::string(TINYOPT_SOURCE_DIR) + "/examples/fashion_mnist/model_float.tflite");
    if (!model) die(model.error());
    DatasetOptions first_n;
    first_n.max_samples = 500;
    Expected<Dataset> calib = open_calibration_data(std::string(kData) + "train-images-idx3-ubyte.gz", *model, first_n);
    Expected<Dataset> test = open_fashion_mnist(kData, "t10k");
    if (!calib || !test) { std::fprintf(stderr, "cannot read Fashion-MNIST from %s\n", kData); return 2; }
    const Graph dense = run(*model, prep);
    const ModelStats ds = compute_model_stats(dense);
    const Graph dense_q = run(dense, "quantize", &*calib);
    const size_t dense_q_bytes = file_bytes(dense_q);
    std::printf("| pruning | MACs | parameters | float bytes | int8 bytes | int8 vs dense | float acc %% | int8 acc %% |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const char* cfg : {"", "prune{granularity=channel,macs=0.5}", "prune{granularity=channel,macs=0.5,allocation=global}",
                            "prune{granularity=channel,sparsity=0.3}", "prune{sparsity=0.5}", "prune{sparsity=0.5,allocation=global}", "prune{sparsity=0.8}",
                            "prune{granularity=2:4}"}) {
      const Graph f = *cfg ? run(dense, cfg) : dense;
      const Graph q = *cfg ? run(f, "quantize", &*calib) : dense_q;
      const ModelStats s = compute_model_stats(f);
      const size_t qb = file_bytes(q);
      std::printf("| %s | %lld | %lld | %zu | %zu | %.1f%% | %.2f | %.2f |\n", *cfg ? cfg : "dense",
                  static_cast<long long>(s.total_macs), static_cast<long long>(s.total_parameters), file_bytes(f), qb,
                  100.0 * static_cast<double>(qb) / static_cast<double>(dense_q_bytes), accuracy(f, *test), accuracy(q, *test));
    }
    std::printf("\n(dense: %lld MACs, %lld parameters)\n\n", static_cast<long long>(ds.total_macs),
                static_cast<long long>(ds.total_parameters));
  }

  std::printf("| model | float weight bytes | element 0.8 s | 2:4 s | channel macs=0.5 s |\n|---|---:|---:|---:|---:|\n");
  std::vector<std::pair<std::string, Graph>> models;
  for (const char* m : {"fmnist_cnn_float", "ic_resnet8_float", "kws_dscnn_float", "vww_mobilenet_float", "ad_autoencoder_float"}) {
    Expected<Graph> g = read_tflite_file(std::string(TINYOPT_SHARED_DIR) + "/models/" + m + ".tflite");
    if (g) models.emplace_back(m, run(*g, prep));
  }
  models.emplace_back("synthetic (2 MB)", synthetic_2mb());
  for (const auto& [name, g] : models) {
    const ModelStats s = compute_model_stats(g);
    std::printf("| %s | %lld | %.4f | %.4f | %.4f |\n", name.c_str(), static_cast<long long>(s.total_weight_bytes),
                median_seconds(g, "prune{sparsity=0.8}"), median_seconds(g, "prune{granularity=2:4}"),
                median_seconds(g, "prune{granularity=channel,macs=0.5}"));
  }
  return 0;
}
