// bench/distill.cc: what distillation recovers on the bundled Fashion-MNIST example, and how fast a step is.
//
// Scenarios (the teacher is always examples/fashion_mnist/model_float.tflite; accuracy over --test test images;
// int8 = the `quantize` pass with 500 training images, minmax):
//   element80   distill{prune-granularity=element,final-sparsity=0.8} with labels (gradual, inside distillation)
//   channel50   prune{granularity=channel,macs=0.5} -> distill with labels; int8 bytes vs the dense int8 file
//   labelfree   prune{sparsity=0.8} -> distill without labels (alpha=1, no held-out labels): the fraction of the
//               accuracy pruning lost that comes back
//   qat         prune{channel,macs=0.5} -> distill -> quantize vs the same with distill{qat=true} (int8 accuracy)
//   cluster4    cluster{bits=4} -> distill with labels (centroids trained, assignment kept) -> quantize -> compress
//   speed       samples/s of one distillation step (teacher forward + student forward/backward + AdamW), batch 64,
//               random data; bench/distill_torch.py does the same step in PyTorch
// Usage: bench_distill [--scenario all|element80|channel50|labelfree|qat|cluster4|speed] [--steps N] [--train N] [--test N]
//                      [--threads N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "bench/bench_support.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "ir/rng.h"
#include "passes/pass_manager.h"
#include "train/trainer.h"

using namespace tinyopt;
using tinyopt::bench::accuracy;
using tinyopt::bench::die;

namespace {

struct Args {
  std::string scenario = "all";
  int steps = 300, threads = 2;
  size_t train = 60000, test = 10000;
};

Graph run(const Graph& in, const std::string& pipeline, const Dataset* calib, const Dataset* train, const Graph* teacher) {
  Graph g = in;
  Expected<Pipeline> p = parse_pipeline(pipeline);
  if (!p) die(p.error());
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  if (!pm) die(pm.error());
  PassContext ctx;
  ctx.calibration = calib;
  ctx.training = train;
  ctx.teacher = teacher;
  ctx.on_progress = [](const std::string&, const std::map<std::string, double>& f) {
    std::fprintf(stderr, "  epoch %.0f step %.0f/%.0f loss %.4f (%.0f s)\n", f.at("epoch"), f.at("step"), f.at("steps"),
                 f.at("loss"), f.at("seconds"));
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (Expected<void> ok = pm->run(g, ctx); !ok) die(ok.error());
  std::fprintf(stderr, "%s: %.1f s\n  %s\n", pipeline.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
               pm->records().back().result.summary.c_str());
  return g;
}

size_t file_bytes(const Graph& g) {
  Expected<std::vector<uint8_t>> b = write_tflite(g);
  if (!b) die(b.error());
  return b->size();
}

// The largest number of distinct nonzero float values in one cluster group (auto groups: per output channel for
// conv / depthwise, the whole tensor for fully connected) over the model's filters.
long long max_distinct_per_group(const Graph& g) {
  long long most = 0;
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const Tensor& w = g.tensor(op.inputs[1]);
    const auto v = w.values<float>();
    const int axis = op.kind == OpKind::FullyConnected ? -1 : op.kind == OpKind::Conv2D ? 0 : 3;
    size_t inner = 1, dim = 1;
    if (axis >= 0) {
      dim = static_cast<size_t>(w.shape[static_cast<size_t>(axis)]);
      for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= static_cast<size_t>(w.shape[d]);
    }
    std::vector<std::set<float>> groups(dim);
    for (size_t e = 0; e < v.size(); ++e)
      if (v[e] != 0.f) groups[axis < 0 ? 0 : (e / inner) % dim].insert(v[e]);
    for (const auto& s : groups) most = std::max(most, static_cast<long long>(s.size()));
  }
  return most;
}

void speed(const Graph& teacher, int threads) {
  const int batch = 64, steps = 30;
  TrainConfig c;
  c.batch_size = batch;
  c.threads = threads;
  c.loss = LossKind::Distillation;
  c.teacher = &teacher;
  c.temperature = 4.f;
  c.alpha = 1.f;
  c.optimizer = {.kind = OptimizerConfig::Kind::AdamW};
  c.schedule = {.lr = 1e-3};
  auto t = Trainer::create(teacher, c);
  if (!t) die(t.error());
  Rng rng(1);
  std::vector<float> x(static_cast<size_t>(batch) * 28 * 28);
  for (float& v : x) v = rng.uniform();
  for (int i = 0; i < 5; ++i)
    if (!(*t)->step(x, {}, {}, batch)) std::exit(3);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i)
    if (!(*t)->step(x, {}, {}, batch)) std::exit(3);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("tinyopt distill step: batch %d, %d threads, %d steps: %.1f samples/s (%.2f ms/step)\n", batch, threads,
              steps, steps * batch / s, 1e3 * s / steps);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    if (k == "--scenario") a.scenario = argv[i + 1];
    else if (k == "--steps") a.steps = std::atoi(argv[i + 1]);
    else if (k == "--train") a.train = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--test") a.test = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--threads") a.threads = std::atoi(argv[i + 1]);
  }
  Expected<Graph> teacher = read_tflite_file(std::string(TINYOPT_SOURCE_DIR) + "/examples/fashion_mnist/model_float.tflite");
  if (!teacher) die(teacher.error());
  const bool all = a.scenario == "all";
  if (all || a.scenario == "speed") speed(*teacher, a.threads);
  if (a.scenario == "speed") return 0;

  Expected<Dataset> train_all = open_fashion_mnist(bench::kFashionMnist, "train");
  Expected<Dataset> test_all = open_fashion_mnist(bench::kFashionMnist, "t10k");
  if (!train_all) die(train_all.error());
  if (!test_all) die(test_all.error());
  const Dataset train = train_all->first(std::min(a.train, train_all->size()));
  const Dataset test = test_all->first(std::min(a.test, test_all->size()));
  const Dataset calib = train_all->first(500);
  const std::string common = "steps=" + std::to_string(a.steps) + ",batch=64,lr=0.001,threads=" + std::to_string(a.threads);
  auto int8 = [&](const Graph& g) { return run(g, "quantize", &calib, nullptr, nullptr); };

  const double float_acc = accuracy(*teacher, test);
  const Graph dense_q = int8(*teacher);
  const double dense_q_acc = accuracy(dense_q, test);
  std::printf("| model | steps | float acc %% | int8 acc %% | int8 bytes |\n|---|---:|---:|---:|---:|\n");
  std::printf("| dense (teacher) | - | %.2f | %.2f | %zu |\n", float_acc, dense_q_acc, file_bytes(dense_q));
  auto row = [&](const char* name, const Graph& g) {
    const Graph q = int8(g);
    std::printf("| %s | %d | %.2f | %.2f | %zu |\n", name, a.steps, accuracy(g, test), accuracy(q, test), file_bytes(q));
    std::fflush(stdout);
  };
  if (all || a.scenario == "element80") {
    const Graph s = run(*teacher,
                        "distill{" + common + ",alpha=0.5,holdout=0,prune-granularity=element,final-sparsity=0.8,prune-every=" +
                            std::to_string(std::max(1, a.steps / 20)) + "}",
                        nullptr, &train, &*teacher);
    row("distill{element 0.8 gradual, labels}", s);
  }
  if (all || a.scenario == "channel50") {
    const Graph p = run(*teacher, "prune{granularity=channel,macs=0.5}", nullptr, nullptr, nullptr);
    row("prune{channel,macs=0.5}", p);
    row("prune{channel,macs=0.5} -> distill{labels}", run(p, "distill{" + common + ",alpha=0.5,holdout=0}", nullptr, &train, &*teacher));
  }
  if (all || a.scenario == "labelfree") {
    const Graph p = run(*teacher, "prune{sparsity=0.8}", nullptr, nullptr, nullptr);
    const double pruned = accuracy(p, test);
    row("prune{sparsity=0.8}", p);
    const Graph d = run(p, "distill{" + common + ",alpha=1,holdout=0}", nullptr, &train, &*teacher);
    row("prune{sparsity=0.8} -> distill{no labels}", d);
    const double after = accuracy(d, test);
    std::printf("label-free recovery: %.1f%% of the %.2f pp pruning lost\n", 100.0 * (after - pruned) / (float_acc - pruned),
                float_acc - pruned);
  }
  if (all || a.scenario == "qat") {
    const Graph p = run(*teacher, "prune{granularity=channel,macs=0.5}", nullptr, nullptr, nullptr);
    row("prune{channel,macs=0.5} -> distill -> quantize (PTQ)", run(p, "distill{" + common + ",alpha=0.5,holdout=0}", nullptr, &train, &*teacher));
    row("prune{channel,macs=0.5} -> distill{qat} -> quantize", run(p, "distill{" + common + ",alpha=0.5,holdout=0,qat=true}", nullptr, &train, &*teacher));
  }
  if (all || a.scenario == "cluster4") {
    const Graph c = run(*teacher, "cluster{bits=4}", nullptr, nullptr, nullptr);
    row("cluster{bits=4}", c);
    const Graph d = run(c, "distill{" + common + ",alpha=0.5,holdout=0}", nullptr, &train, &*teacher);
    row("cluster{bits=4} -> distill{labels}", d);
    const Graph lut = run(int8(d), "compress", nullptr, nullptr, nullptr);
    std::printf("cluster4 -> distill -> quantize -> compress: int8 acc %.2f%%, %zu bytes; most distinct values in a "
                "cluster group after distill: %lld\n", accuracy(lut, test), file_bytes(lut), max_distinct_per_group(d));
  }
  return 0;
}
