// bench/train_throughput.cc: training throughput (samples/s: forward + backward + AdamW update, batch 64) of the
// Fashion-MNIST example architecture (examples/fashion_mnist/architecture.h) on random data. The PyTorch peer is
// bench/train_throughput_torch.py; BENCHMARKS.md records both.
//
//   bench_train_throughput [--steps N] [--threads N] [--batch N]      (TINYOPT_ISA=portable|avx2 picks the variant)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "examples/fashion_mnist/architecture.h"
#include "ir/rng.h"
#include "runtime/cpu_features.h"
#include "train/trainer.h"

using namespace tinyopt;

int main(int argc, char** argv) {
  int steps = 50, threads = 2, batch = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view a = argv[i];
    if (a == "--steps") steps = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
  }
  if (steps <= 0 || threads <= 0 || batch <= 0) return 2;
  Expected<Isa> isa = select_isa_from_environment();  // TINYOPT_ISA=portable|avx2
  if (!isa) return std::fprintf(stderr, "error: %s\n", isa.error().to_string().c_str()), 2;
  auto model = examples::build_fashion_mnist_cnn(1);
  if (!model) return std::fprintf(stderr, "error: %s\n", model.error().to_string().c_str()), 3;
  TrainConfig config;
  config.batch_size = batch;
  config.threads = threads;
  config.optimizer = {.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 1e-4};
  config.schedule = {.lr = 1e-3};
  auto trainer = Trainer::create(*model, config);
  if (!trainer) return std::fprintf(stderr, "error: %s\n", trainer.error().to_string().c_str()), 3;
  Rng rng(1);
  std::vector<float> x(static_cast<size_t>(batch) * 28 * 28);
  std::vector<int32_t> y(static_cast<size_t>(batch));
  for (float& v : x) v = rng.uniform();
  for (int32_t& v : y) v = static_cast<int32_t>(rng.below(10));
  for (int i = 0; i < 5; ++i)  // warm-up
    if (auto l = (*trainer)->step(x, y, {}, batch); !l) return 3;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i)
    if (auto l = (*trainer)->step(x, y, {}, batch); !l) return 3;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("tinyopt train (ISA %s): batch %d, %d threads, %d steps: %.1f samples/s (%.2f ms/step)\n",
              std::string(isa_name(*isa)).c_str(), batch, threads, steps, steps * batch / s, 1e3 * s / steps);
  return 0;
}
