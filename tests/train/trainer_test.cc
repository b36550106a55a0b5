// tests/train/trainer_test.cc: the training loop: learning a separable toy problem, byte-identical weights for one
// seed, masks through training, distillation towards a teacher, short final batches, evaluation.
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "train/model_builder.h"
#include "ir/rng.h"
#include "runtime/cpu_features.h"
#include "train/trainer.h"

namespace tinyopt {
namespace {

// 3 classes of 4x4x1 "images": class c has a bright column c (plus noise).
struct ToyData {
  std::vector<float> inputs;
  std::vector<int32_t> labels;
};
ToyData toy_data(int n, uint64_t seed) {
  ToyData d;
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const auto c = static_cast<int32_t>(rng.below(3));
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) d.inputs.push_back((x == c ? 1.f : 0.f) + rng.uniform(-0.3f, 0.3f));
    d.labels.push_back(c);
  }
  return d;
}
Dataset toy_dataset(int n, uint64_t seed, bool labelled = true) {
  ToyData d = toy_data(n, seed);
  return Dataset::from_floats({4, 4, 1}, std::move(d.inputs), labelled ? std::move(d.labels) : std::vector<int32_t>{});
}

Graph toy_model(uint64_t seed) {
  ModelBuilder b(seed);
  TensorId x = b.input("input", {1, 4, 4, 1});
  x = b.conv_2d(x, 4, 3, 3, {.activation = Activation::Relu});
  x = b.depthwise_conv_2d(x, 3, 3, 1, {.stride_h = 2, .stride_w = 2, .activation = Activation::Relu6});
  x = b.fully_connected(b.reshape(x, {1, -1}), 3);
  auto g = b.finish({b.softmax(x)}, "output");
  REQUIRE(g.has_value());
  return *g;
}

std::vector<uint8_t> all_weights(const Graph& g) {
  std::vector<uint8_t> bytes;
  for (const Tensor& t : g.tensors)
    if (t.is_constant && t.dtype == DType::Float32) bytes.insert(bytes.end(), t.data.begin(), t.data.end());
  return bytes;
}

TEST_CASE("training learns a toy problem; the same seed gives byte-identical weights") {
  const Dataset train = toy_dataset(300, 1), test = toy_dataset(200, 2);
  auto run = [&](uint64_t seed) {
    Graph g = toy_model(3);
    TrainConfig c;
    c.batch_size = 16;  // 300 = 18 * 16 + 12: the last batch is short and padded
    c.epochs = 6;
    c.seed = seed;
    c.optimizer = {.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 1e-4, .clip_norm = 5.0};
    c.schedule = {.kind = LrSchedule::Kind::Cosine, .lr = 1e-2};
    auto t = Trainer::create(g, c);
    REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error().to_string()));
    auto r = (*t)->fit(train);
    REQUIRE(r.has_value());
    CHECK(r->back().loss < r->front().loss);
    (*t)->write_parameters(g);
    return g;
  };
  const Graph before = toy_model(3);
  const double acc_before = evaluate(before, test, 64, 2)->accuracy;
  const Graph a = run(11), b = run(11), c = run(12);
  const double acc = evaluate(a, test, 64, 2)->accuracy;
  CHECK(acc > 0.95);
  CHECK(acc > acc_before);
  CHECK(all_weights(a) == all_weights(b));
  CHECK(all_weights(a) != all_weights(c));  // another shuffle, other weights
  CHECK(all_weights(a) != all_weights(before));
}

TEST_CASE("training gives byte-identical weights on every ISA variant (one float GEMM order)") {
  // 3x3 conv to 20 channels and a 1x1 conv to 17 (column tails of the 16-wide GEMM tiles, the pointwise backward
  // path), then FULLY_CONNECTED: forward, dX and dW all go through gemm_float.
  ModelBuilder mb(5);
  TensorId x = mb.input("input", {1, 6, 6, 2});
  x = mb.conv_2d(x, 20, 3, 3, {.activation = Activation::Relu});
  x = mb.conv_2d(x, 17, 1, 1, {.activation = Activation::Relu6});
  x = mb.fully_connected(mb.reshape(x, {1, -1}), 3);
  auto model = mb.finish({mb.softmax(x)}, "output");
  REQUIRE(model.has_value());
  Rng rng(9);
  std::vector<float> inputs(24 * 6 * 6 * 2);
  std::vector<int32_t> labels(24);
  for (float& v : inputs) v = rng.uniform(-1.0f, 1.0f);
  for (int32_t& v : labels) v = static_cast<int32_t>(rng.below(3));
  std::vector<std::vector<uint8_t>> weights;
  for (Isa isa : supported_isas()) {
    if (isa == Isa::Avx512Vnni) continue;  // the same float variant as avx2
    CAPTURE(isa_name(isa));
    ScopedIsa scoped(isa);
    TrainConfig c;
    c.batch_size = 24;
    c.threads = 2;
    c.optimizer = {.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 1e-4};
    c.schedule = {.lr = 1e-2};
    auto t = Trainer::create(*model, c);
    REQUIRE(t.has_value());
    for (int step = 0; step < 3; ++step) REQUIRE((*t)->step(inputs, labels, {}, 24).has_value());
    weights.push_back(all_weights((*t)->trained_graph()));
  }
  for (size_t i = 1; i < weights.size(); ++i) CHECK(weights[i] == weights[0]);
  CHECK(weights[0] != all_weights(*model));
}

TEST_CASE("a short batch gives the same update as the batch of its samples alone") {
  const ToyData d = toy_data(5, 3);
  auto one_step = [&](int batch) {
    TrainConfig c;
    c.batch_size = batch;
    c.optimizer = {.kind = OptimizerConfig::Kind::Sgd, .momentum = 0};
    c.schedule = {.lr = 0.1};
    auto t = Trainer::create(toy_model(4), c);
    REQUIRE(t.has_value());
    REQUIRE((*t)->step(d.inputs, d.labels, {}, 5).has_value());
    return all_weights((*t)->trained_graph());
  };
  const auto exact = one_step(5), padded = one_step(8);  // 8: workers of 4, the second padded with 3 zeros
  REQUIRE(exact.size() == padded.size());
  const auto* x = reinterpret_cast<const float*>(exact.data());
  const auto* y = reinterpret_cast<const float*>(padded.data());
  for (size_t i = 0; i < exact.size() / 4; ++i) CHECK(x[i] == doctest::Approx(y[i]).epsilon(1e-5));
}

TEST_CASE("masked weights stay zero through training") {
  Graph g = toy_model(5);
  const TensorId filter = g.ops[0].inputs[1];
  std::vector<uint8_t> mask(static_cast<size_t>(g.tensor(filter).num_elements()), 1);
  for (size_t i = 0; i < mask.size(); i += 2) mask[i] = 0;
  TrainConfig c;
  c.batch_size = 16;
  c.epochs = 2;
  c.masks = {{filter, mask}};
  c.schedule = {.lr = 1e-2};
  auto t = Trainer::create(g, c);
  REQUIRE(t.has_value());
  REQUIRE((*t)->fit(toy_dataset(100, 6)).has_value());
  (*t)->write_parameters(g);
  auto w = g.tensor(filter).values<float>();
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) CHECK(w[i] == 0.f);
    else CHECK(w[i] != 0.f);
  }
}

TEST_CASE("distillation moves a student towards its teacher's outputs") {
  const Dataset train = toy_dataset(200, 7);
  Graph teacher = toy_model(8);
  {
    TrainConfig c;
    c.batch_size = 16;
    c.epochs = 5;
    c.schedule = {.lr = 1e-2};
    auto t = Trainer::create(teacher, c);
    REQUIRE(t.has_value());
    REQUIRE((*t)->fit(train).has_value());
    (*t)->write_parameters(teacher);
  }
  const Dataset unlabeled = toy_dataset(300, 1, /*labelled=*/false);  // `train` without its labels
  Graph student = toy_model(9);
  TrainConfig c;
  c.batch_size = 16;
  c.epochs = 5;
  c.loss = LossKind::Distillation;
  c.teacher = &teacher;
  c.temperature = 2.f;
  c.schedule = {.lr = 1e-2};
  auto t = Trainer::create(student, c);
  REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error().to_string()));
  auto r = (*t)->fit(unlabeled);
  REQUIRE(r.has_value());
  CHECK(r->back().loss < r->front().loss);
  (*t)->write_parameters(student);
  CHECK(evaluate(student, toy_dataset(200, 10), 50, 2)->accuracy > 0.9);  // learned from the teacher alone
}

TEST_CASE("configuration errors are reported, not crashes") {
  TrainConfig c;
  c.batch_size = 0;
  CHECK_FALSE(Trainer::create(toy_model(1), c).has_value());
  c.batch_size = 4;
  c.masks = {{0, {1, 0}}};  // tensor 0 is the input, not a parameter
  auto t = Trainer::create(toy_model(1), c);
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().to_string().find("not a trainable parameter") != std::string::npos);
  TrainConfig d;
  d.loss = LossKind::Distillation;  // no teacher
  CHECK_FALSE(Trainer::create(toy_model(1), d).has_value());
  const Dataset wrong = Dataset::from_floats({5, 5, 1}, std::vector<float>(25, 0.f), {0});
  auto ok = Trainer::create(toy_model(1), TrainConfig{});
  REQUIRE(ok.has_value());
  CHECK_FALSE((*ok)->fit(wrong).has_value());
  CHECK_FALSE(evaluate(toy_model(1), wrong).has_value());
}

}  // namespace
}  // namespace tinyopt
