// examples/fashion_mnist/train_example.cc: trains the project's example model on Fashion-MNIST with tinyopt's own
// training engine and writes it as a float TFLite model (input [1,28,28,1] in [0,1], output [1,10] softmax).
//
//   train_example [--data DIR] [--out FILE] [--epochs N] [--batch N] [--lr X] [--seed N] [--threads N]
//
// AdamW with weight decay and a cosine schedule with one epoch of warm-up; prints each epoch's loss, training
// and test accuracy, and exits 1 when the final test accuracy is below 90%.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "examples/fashion_mnist/architecture.h"
#include "formats/tflite/writer.h"
#include "train/trainer.h"

using namespace tinyopt;

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--data DIR] [--out FILE] [--epochs N] [--batch N] [--lr X] [--seed N] [--threads N]\n",
               argv0);
  return 2;
}

int report(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.to_string().c_str());
  return e.code == Errc::Internal ? 3 : e.code == Errc::CheckFailed ? 1 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = kFashionMnistDir, out = "examples/fashion_mnist/model_float.tflite";
  int epochs = 12, batch = 64, threads = 2;
  double lr = 3e-3;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    const char* v = argv[++i];
    if (a == "--data") data_dir = v;
    else if (a == "--out") out = v;
    else if (a == "--epochs") epochs = std::atoi(v);
    else if (a == "--batch") batch = std::atoi(v);
    else if (a == "--lr") lr = std::atof(v);
    else if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
    else if (a == "--threads") threads = std::atoi(v);
    else return usage(argv[0]);
  }
  if (epochs <= 0 || batch <= 0 || threads <= 0 || !(lr > 0)) return usage(argv[0]);

  auto train = open_fashion_mnist(data_dir, "train");
  if (!train) return report(train.error());
  auto test = open_fashion_mnist(data_dir, "t10k");
  if (!test) return report(test.error());
  auto model = examples::build_fashion_mnist_cnn(seed);
  if (!model) return report(model.error());

  const int64_t steps_per_epoch = (static_cast<int64_t>(train->size()) + batch - 1) / batch;
  TrainConfig config;
  config.batch_size = batch;
  config.epochs = epochs;
  config.threads = threads;
  config.seed = seed;
  config.optimizer = {.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 1e-4};
  config.schedule = {.kind = LrSchedule::Kind::Cosine, .lr = lr, .min_lr = lr * 0.01,
                     .total_steps = steps_per_epoch * epochs, .warmup_steps = steps_per_epoch / 2};
  const Graph* current = nullptr;
  Trainer* trainer_ptr = nullptr;
  config.on_epoch = [&](const EpochReport& r) {
    Graph snapshot = *current;
    trainer_ptr->write_parameters(snapshot);
    auto ev = evaluate(snapshot, *test, 500, threads);
    std::printf("epoch %2d  loss %.4f  train acc %.4f  test acc %.4f  lr %.2e  %.1f s\n", r.epoch, r.loss, r.accuracy,
                ev ? ev->accuracy : -1.0, r.last_lr, r.seconds);
    std::fflush(stdout);
  };
  auto trainer = Trainer::create(*model, config);
  if (!trainer) return report(trainer.error());
  current = &*model;
  trainer_ptr = trainer->get();
  const auto t0 = std::chrono::steady_clock::now();
  auto fit = (*trainer)->fit(*train);
  if (!fit) return report(fit.error());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (*trainer)->write_parameters(*model);

  auto ev = evaluate(*model, *test, 500, threads);
  if (!ev) return report(ev.error());
  std::printf("test accuracy %.4f on %lld images (%d epochs, %.0f s training, %.0f samples/s)\n", ev->accuracy,
              static_cast<long long>(ev->samples), epochs, seconds, static_cast<double>(train->size()) * epochs / seconds);
  model->description = "tinyopt examples/fashion_mnist: depthwise-separable CNN trained by tinyopt";
  if (auto w = write_tflite_file(*model, out); !w) return report(w.error());
  std::printf("wrote %s\n", out.c_str());
  return ev->accuracy >= 0.90 ? 0 : 1;
}
