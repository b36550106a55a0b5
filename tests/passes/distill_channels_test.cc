// tests/passes/distill_channels_test.cc: gradual channel pruning inside distill (prune-granularity=channel) on a
// toy two-conv classifier (4x4 images, 3 classes, a hundred samples, a dozen steps: well under a second).
//  - The chosen channels are gone from the graph at the end: smaller filters, the FC's columns follow, the graph
//    validates, the first conv stays whole; a fraction of channels or a MACs budget.
//  - Two runs give byte-identical .tflite files.
//  - Bad input: no target, a budget without channel granularity, prune-end past the run, an unreachable budget.
#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "formats/tflite/writer.h"
#include "ir/rng.h"
#include "passes/distill_constraints.h"
#include "passes/pass_manager.h"
#include "passes/pipeline_parser.h"
#include "passes/prune_layers.h"
#include "reports/model_stats.h"
#include "train/model_builder.h"
#include "tests/passes/run_pipeline_text.h"

namespace tinyopt {
namespace {

Dataset column_dataset(int n, uint64_t seed) {
  std::vector<float> x;
  std::vector<int32_t> y;
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const auto c = static_cast<int32_t>(rng.below(3));
    for (int r = 0; r < 4; ++r)
      for (int col = 0; col < 4; ++col) x.push_back((col == c ? 1.f : 0.f) + rng.uniform(-0.3f, 0.3f));
    y.push_back(c);
  }
  return Dataset::from_floats({4, 4, 1}, std::move(x), std::move(y));
}

// input -> conv 4 (kept: reads the input) -> conv 8 (prunable) -> flatten -> FC 3 (classifier) -> SOFTMAX.
Graph two_conv_model(uint64_t seed) {
  ModelBuilder b(seed);
  TensorId x = b.input("input", {1, 4, 4, 1});
  x = b.conv_2d(x, 4, 3, 3, {.activation = Activation::Relu});
  x = b.conv_2d(x, 8, 3, 3, {.activation = Activation::Relu});
  x = b.fully_connected(b.reshape(x, {1, -1}), 3);
  auto g = b.finish({b.softmax(x)}, "output");
  REQUIRE(g.has_value());
  return *g;
}

Expected<PassResult> distill(Graph& student, const Graph& teacher, const Dataset& data, const std::string& options) {
  PassContext ctx;
  ctx.training = &data;
  ctx.teacher = &teacher;
  return test::run_last_pass(student, "distill{" + options + "}", ctx);
}

std::string message(const Expected<PassResult>& r) { return r ? std::string() : r.error().to_string(); }

TEST_CASE("gradual channel pruning inside distill removes the chosen channels at the end, deterministically") {
  const Graph teacher = two_conv_model(3);
  const Dataset data = column_dataset(96, 4);
  const std::string opts = "steps=12,batch=16,lr=0.01,holdout=0,prune-granularity=channel,final-sparsity=0.5,prune-every=4";
  Graph s = teacher;
  Expected<PassResult> r = distill(s, teacher, data, opts);
  REQUIRE_MESSAGE(r, message(r));
  CHECK(r->counters.at("channels_removed") == 4);
  CHECK(r->counters.at("channels_removable") == 8);
  CHECK(r->summary.find("removed 4 of 8 removable channels") != std::string::npos);
  const std::vector<PrunableLayer> layers = prunable_layers(s);
  REQUIRE(layers.size() == 3);
  CHECK(s.tensor(layers[0].weights).shape == Shape{4, 3, 3, 1});  // the first conv stays whole
  CHECK(s.tensor(layers[1].weights).shape == Shape{4, 3, 3, 4});  // 8 -> 4 filters
  CHECK(s.tensor(layers[2].weights).shape == Shape{3, 4 * 4 * 4});  // the FC's columns follow
  CHECK(s.validate());
  CHECK(compute_model_stats(s).total_macs == r->counters.at("macs_after"));
  CHECK(r->counters.at("macs_after") < r->counters.at("macs_before"));

  Graph again = teacher;
  REQUIRE(distill(again, teacher, data, opts));
  Expected<std::vector<uint8_t>> a = write_tflite(s), b = write_tflite(again);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);

  // A MACs budget, as prune's macs=: at most 70% of the MACs are left.
  Graph budget = teacher;
  r = distill(budget, teacher, data, "steps=8,batch=16,holdout=0,prune-granularity=channel,prune-macs=0.7,prune-every=2");
  REQUIRE_MESSAGE(r, message(r));
  CHECK(static_cast<double>(r->counters.at("macs_after")) <= 0.7 * static_cast<double>(r->counters.at("macs_before")));
  CHECK(compute_model_stats(budget).total_macs == r->counters.at("macs_after"));

  // The default prune-end is a step of any run: one step reaches the target at step 0 and removes the channels.
  Graph one_step = teacher;
  r = distill(one_step, teacher, data, "steps=1,batch=16,holdout=0,prune-granularity=channel,final-sparsity=0.5");
  REQUIRE_MESSAGE(r, message(r));
  CHECK(r->counters.at("channels_removed") == 4);

  GradualPruning p{.granularity = GradualGranularity::Channel, .begin = 0, .end = 100, .every = 10};
  CHECK(p.progress_at(0) == 0.0);
  CHECK(p.progress_at(50) == doctest::Approx(1.0 - 0.125));
  CHECK(p.progress_at(100) == 1.0);
}

TEST_CASE("gradual channel pruning refuses targets it cannot meet, naming the option") {
  const Graph teacher = two_conv_model(3);
  const Dataset data = column_dataset(32, 5);
  auto error_of = [&](const std::string& opts) {
    Graph s = teacher;
    Expected<PassResult> r = distill(s, teacher, data, opts);
    REQUIRE_FALSE(r);
    return r.error().to_string();
  };
  CHECK(error_of("steps=4,prune-granularity=channel").find("distill.final-sparsity") != std::string::npos);
  CHECK(error_of("steps=4,prune-granularity=element,final-sparsity=0.5,prune-macs=0.5").find("distill.prune-macs") !=
        std::string::npos);
  CHECK(error_of("steps=4,prune-granularity=channel,final-sparsity=0.5,prune-end=4").find("distill.prune-end") !=
        std::string::npos);
  CHECK(error_of("steps=4,prune-granularity=channel,prune-macs=0.01").find("distill.prune-macs") != std::string::npos);
  CHECK(error_of("steps=4,prune-granularity=channel,final-sparsity=0.5,prune-skip=[nothing*]").find("distill.prune-skip") !=
        std::string::npos);
}

}  // namespace
}  // namespace tinyopt
