// tests/passes/distill_test.cc: the distill pass on a toy classifier (4x4 images, 3 classes, a few hundred samples,
// a few epochs: well under a second each).
//  - Pruned zeros stay zero, clustered filters keep at most their 2^b values per group; the loss decreases.
//  - Two runs with one seed and thread count give byte-identical weights.
//  - Gradual element pruning reaches its final sparsity; N:M keeps its blocks.
//  - Label-free distillation, MSE for a model without SOFTMAX.
//  - Bad input: teacher mismatch, labels out of range, empty training set, epochs 0, a NaN (step and op named).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <doctest/doctest.h>

#include "ir/rng.h"
#include "passes/distill_constraints.h"
#include "passes/pass_manager.h"
#include "passes/pipeline_parser.h"
#include "passes/prune_layers.h"
#include "passes/prune_masks.h"
#include "train/model_builder.h"
#include "train/fake_quant.h"
#include "train/trainer.h"
#include "tests/passes/run_pipeline_text.h"

#include <nlohmann/json.hpp>

namespace tinyopt {
namespace {

// 3 classes of 4x4x1 "images": class c has a bright column c (plus noise).
Dataset toy_dataset(int n, uint64_t seed, bool labelled = true, int label_offset = 0) {
  std::vector<float> x;
  std::vector<int32_t> y;
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const auto c = static_cast<int32_t>(rng.below(3));
    for (int r = 0; r < 4; ++r)
      for (int col = 0; col < 4; ++col) x.push_back((col == c ? 1.f : 0.f) + rng.uniform(-0.3f, 0.3f));
    y.push_back(c + label_offset);
  }
  return Dataset::from_floats({4, 4, 1}, std::move(x), labelled ? std::move(y) : std::vector<int32_t>{});
}

Graph toy_model(uint64_t seed, bool softmax = true, int32_t side = 4) {
  ModelBuilder b(seed);
  TensorId x = b.input("input", {1, side, 4, 1});
  x = b.conv_2d(x, 8, 3, 3, {.activation = Activation::Relu});
  x = b.fully_connected(b.reshape(x, {1, -1}), 3);
  auto g = softmax ? b.finish({b.softmax(x)}, "output") : b.finish({x}, "output");
  REQUIRE(g.has_value());
  return *g;
}

// A trained teacher: the toy model after a few epochs of plain training.
Graph toy_teacher() {
  Graph g = toy_model(3);
  TrainConfig c;
  c.batch_size = 32;
  c.epochs = 4;
  c.schedule = {.kind = LrSchedule::Kind::Constant, .lr = 1e-2};
  auto t = Trainer::create(g, c);
  REQUIRE(t);
  REQUIRE((*t)->fit(toy_dataset(300, 1)));
  (*t)->write_parameters(g);
  return g;
}

struct Run {
  Expected<PassResult> result;
  std::vector<std::map<std::string, double>> epochs;
};

Run run_distill(Graph& student, const Graph& teacher, const Dataset& data, const std::string& options) {
  Run r{fail(Errc::Internal, {}, "not run"), {}};
  PassContext ctx;
  ctx.training = &data;
  ctx.teacher = &teacher;
  ctx.on_progress = [&](const std::string&, const std::map<std::string, double>& f) { r.epochs.push_back(f); };
  r.result = test::run_last_pass(student, "distill{" + options + "}", ctx);
  return r;
}

std::vector<uint8_t> weight_bytes(const Graph& g) {
  std::vector<uint8_t> bytes;
  for (const Tensor& t : g.tensors)
    if (t.is_constant && t.dtype == DType::Float32) bytes.insert(bytes.end(), t.data.begin(), t.data.end());
  return bytes;
}

std::string message(const Run& r) { return r.result ? std::string() : r.result.error().to_string(); }

TEST_CASE("distill keeps pruned zeros and clusters, and lowers the loss") {
  const Graph teacher = toy_teacher();
  Graph student = teacher;
  const std::vector<PrunableLayer> layers = prunable_layers(student);
  REQUIRE(layers.size() == 2);
  // Conv: 50% zeros. FC: 4 values (a 2-bit clustering of the whole tensor) plus zeros.
  Tensor& conv = student.tensor(layers[0].weights);
  zero_smallest(conv.mutable_values<float>(), conv.num_elements() / 2);
  Tensor& fc = student.tensor(layers[1].weights);
  std::vector<float> v(fc.values<float>().begin(), fc.values<float>().end());
  for (float& w : v) w = std::abs(w) < 0.05f ? 0.f : w < 0 ? (w < -0.3f ? -0.5f : -0.2f) : (w > 0.3f ? 0.5f : 0.2f);
  fc.set_values<float>(v);
  const std::vector<float> conv_before(conv.values<float>().begin(), conv.values<float>().end());
  const std::vector<float> fc_before = v;

  const Dataset data = toy_dataset(200, 5);
  Run r = run_distill(student, teacher, data, "epochs=4,batch=16,lr=0.01,holdout=0");
  REQUIRE_MESSAGE(r.result, message(r));
  REQUIRE(r.epochs.size() == 4);
  CHECK(r.epochs.back().at("loss") < r.epochs.front().at("loss"));
  CHECK(r.result->counters.at("tied_tensors") == 1);

  const std::vector<PrunableLayer> after = prunable_layers(student);
  auto c = student.tensor(after[0].weights).values<float>();
  bool changed = false;
  for (size_t j = 0; j < c.size(); ++j) {
    if (conv_before[j] == 0.f) CHECK(c[j] == 0.f);
    changed |= c[j] != conv_before[j];
  }
  CHECK(changed);
  auto f = student.tensor(after[1].weights).values<float>();
  std::set<float> distinct;
  std::map<float, float> moved;  // each old value maps to one new value: the assignment is kept
  for (size_t j = 0; j < f.size(); ++j) {
    if (fc_before[j] == 0.f) CHECK(f[j] == 0.f);
    if (f[j] != 0.f) distinct.insert(f[j]);
    auto [it, fresh] = moved.try_emplace(fc_before[j], f[j]);
    CHECK(it->second == f[j]);
  }
  CHECK(distinct.size() <= 4);
  CHECK(moved.at(0.5f) != 0.5f);  // the centroids trained
}

TEST_CASE("distill is deterministic for a seed and a thread count") {
  const Graph teacher = toy_teacher();
  const Dataset data = toy_dataset(160, 6);
  auto once = [&](const std::string& opts) {
    Graph s = toy_model(9);
    Run r = run_distill(s, teacher, data, opts);
    REQUIRE_MESSAGE(r.result, message(r));
    return weight_bytes(s);
  };
  const auto a = once("steps=12,batch=16,seed=3,threads=2"), b = once("steps=12,batch=16,seed=3,threads=2");
  CHECK(a == b);
  CHECK(a != once("steps=12,batch=16,seed=4,threads=2"));
}

TEST_CASE("distill with labels, with held-out early stopping; label-free; MSE without SOFTMAX") {
  const Graph teacher = toy_teacher();
  const Dataset labelled = toy_dataset(200, 7), unlabelled = toy_dataset(200, 7, false);
  Graph s1 = toy_model(11);
  Run r1 = run_distill(s1, teacher, labelled, "epochs=3,batch=16,lr=0.01,holdout=0.2,alpha=0.5");
  REQUIRE_MESSAGE(r1.result, message(r1));
  CHECK(r1.epochs.back().count("accuracy") == 1);
  CHECK(r1.result->counters.at("holdout_samples") == 40);
  CHECK(r1.result->counters.at("best_epoch") >= 1);

  Graph s2 = toy_model(11);
  Run r2 = run_distill(s2, teacher, unlabelled, "epochs=3,batch=16,lr=0.01,holdout=0.2");
  REQUIRE_MESSAGE(r2.result, message(r2));
  CHECK(r2.epochs.back().count("accuracy") == 0);
  CHECK(r2.epochs.back().at("agreement") > 0.5);

  // A regressor-like student (no SOFTMAX) learns the teacher's logits by MSE.
  Graph t3 = toy_model(3, false), s3 = toy_model(12, false);
  Run r3 = run_distill(s3, t3, labelled, "epochs=3,batch=16,lr=0.01,holdout=0.2");
  REQUIRE_MESSAGE(r3.result, message(r3));
  CHECK(r3.epochs.back().at("mse") < r3.epochs.front().at("mse") + 1e-12);
  CHECK(r3.epochs.back().at("loss") < r3.epochs.front().at("loss"));
  CHECK(r3.result->notes.size() == 1);  // labels not used
}

TEST_CASE("gradual pruning inside distill reaches the final sparsity") {
  const Graph teacher = toy_teacher();
  const Dataset data = toy_dataset(128, 8, false);
  Graph s = teacher;
  Run r = run_distill(s, teacher, data,
                      "steps=16,batch=16,holdout=0,prune-granularity=element,final-sparsity=0.75,prune-every=4");
  REQUIRE_MESSAGE(r.result, message(r));
  for (const PrunableLayer& l : prunable_layers(s)) {
    const Tensor& w = s.tensor(l.weights);
    int64_t zeros = 0;
    for (float x : w.values<float>()) zeros += x == 0.f;
    CHECK(zeros == std::llround(0.75 * static_cast<double>(w.num_elements())));
  }
  GradualPruning p{.granularity = GradualGranularity::Element, .initial = 0.0, .final = 0.8, .begin = 10, .end = 110, .every = 10};
  CHECK(p.sparsity_at(0) == 0.0);
  CHECK(p.sparsity_at(60) == doctest::Approx(0.8 - 0.8 * 0.125));  // (1 - 1/2)^3
  CHECK(p.sparsity_at(200) == 0.8);
  CHECK(p.remask_at(10));
  CHECK_FALSE(p.remask_at(15));
  CHECK(p.remask_at(110));

  Graph nm = teacher;
  Run r2 = run_distill(nm, teacher, data, "steps=8,batch=16,holdout=0,prune-granularity=2:4,prune-every=4");
  REQUIRE_MESSAGE(r2.result, message(r2));
  for (const PrunableLayer& l : prunable_layers(nm))
    CHECK(satisfies_n_m(nm.tensor(l.weights), nm.ops[static_cast<size_t>(l.op)].kind, 2, 4));
}

TEST_CASE("QAT: distill{qat=true} learns activation ranges and the following quantize uses them") {
  const Graph teacher = toy_teacher();
  const Dataset data = toy_dataset(128, 10);
  Graph s = teacher;
  Run r = run_distill(s, teacher, data, "steps=8,batch=16,holdout=0,qat=true");
  REQUIRE_MESSAGE(r.result, message(r));
  const auto entry = std::find_if(s.metadata.begin(), s.metadata.end(), [](const MetadataEntry& m) { return m.name == "tinyopt_qat_ranges"; });
  REQUIRE(entry != s.metadata.end());
  const nlohmann::json ranges = nlohmann::json::parse(entry->data.begin(), entry->data.end());
  const std::string conv_out = s.tensor(s.ops[0].outputs[0]).name;
  REQUIRE(ranges.contains(conv_out));
  const float lo = ranges[conv_out][0].get<float>(), hi = ranges[conv_out][1].get<float>();
  CHECK(lo <= 0.f);  // a ReLU output: the range starts at 0
  CHECK(hi > 0.f);

  PassContext ctx;
  ctx.calibration = &data;
  Expected<PassResult> quantized = test::run_last_pass(s, "quantize", ctx);
  REQUIRE(quantized);
  CHECK(quantized->counters.at("learned_ranges") == static_cast<int64_t>(ranges.size()));
  const Tensor& q = s.tensor(s.ops[0].outputs[0]);
  REQUIRE(q.quant);
  CHECK(q.quant->scale[0] == doctest::Approx((hi - std::min(lo, 0.f)) / 255.0).epsilon(1e-6));
  CHECK(std::none_of(s.metadata.begin(), s.metadata.end(), [](const MetadataEntry& m) { return m.name == "tinyopt_qat_ranges"; }));

  // Fake-quantized weights are what int8 symmetric per-channel quantization gives back.
  std::vector<float> w = {0.5f, -0.25f, 0.1f, 1.0f, 0.3f, -2.0f};
  fake_quantize_weights(w, {2, 3}, 0);
  CHECK(w[0] == doctest::Approx(0.5f));
  CHECK(w[2] == doctest::Approx(std::lround(0.1f / (0.5f / 127)) * (0.5f / 127)));
  CHECK(w[5] == doctest::Approx(-2.0f));
}

TEST_CASE("distill refuses bad input, naming it, and leaves the model alone") {
  const Graph teacher = toy_teacher();
  const Dataset data = toy_dataset(64, 9);
  Graph s = toy_model(13);
  const auto before = weight_bytes(s);

  Graph other = toy_model(3, true, 5);  // input [1,5,4,1]
  Run r = run_distill(s, other, data, "steps=2");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("teacher input 0 is float32 [1,5,4,1], the student's 'input' is float32 [1,4,4,1]") !=
        std::string::npos);

  r = run_distill(s, teacher, toy_dataset(64, 9, true, 1), "steps=2");  // labels 1..3 for 3 classes
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("outside [0, 3)") != std::string::npos);

  r = run_distill(s, teacher, Dataset::from_floats({4, 4, 1}, {}), "steps=2");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("the training set is empty") != std::string::npos);

  r = run_distill(s, teacher, data, "epochs=0");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("distill.epochs") != std::string::npos);

  r = run_distill(s, teacher, data, "final-sparsity=0.5");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("prune-granularity") != std::string::npos);

  // A NaN in sample 20: the step that reads it and the first op that turns it into NaN are named.
  std::vector<float> x(64 * 16, 0.5f);
  x[20 * 16 + 5] = std::nanf("");
  r = run_distill(s, teacher, Dataset::from_floats({4, 4, 1}, x, std::vector<int32_t>(64, 1)), "epochs=1,batch=64,holdout=0");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("the loss became nan at step 1 (epoch 1): sample 20") != std::string::npos);
  CHECK(weight_bytes(s) == before);

  // A NaN weight: the layer is named.
  Graph bad = toy_model(13);
  bad.tensor(prunable_layers(bad)[1].weights).mutable_values<float>()[0] = std::nanf("");
  r = run_distill(bad, teacher, data, "epochs=1,batch=64,holdout=0");
  REQUIRE_FALSE(r.result);
  CHECK(r.result.error().to_string().find("FULLY_CONNECTED") != std::string::npos);
  CHECK(r.result.error().to_string().find("the loss became nan at step 1") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
