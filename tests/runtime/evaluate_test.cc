// tests/runtime/evaluate_test.cc: the evaluator (runtime/evaluate.h): outputs in sample order and identical for any
// thread count, float inputs quantized for int8 models as `tinyopt run` does, hooks, and errors.
#include <vector>

#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/evaluate.h"
#include "tests/shared_data.h"
#include "train/model_builder.h"

namespace tinyopt {
namespace {

// A small float classifier: 4x4x1 -> conv -> FC(3) -> softmax, weights from a fixed seed.
Graph small_classifier() {
  ModelBuilder b(5);
  TensorId x = b.input("input", {1, 4, 4, 1});
  x = b.conv_2d(x, 2, 3, 3, {.activation = Activation::Relu});
  x = b.fully_connected(b.reshape(x, {1, -1}), 3);
  Expected<Graph> g = b.finish({b.softmax(x)}, "output");
  REQUIRE(g);
  return std::move(*g);
}

Dataset random_images(size_t n) {
  std::vector<float> v(n * 16);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7919) % 101) / 50.f - 1.f;
  return Dataset::from_floats({4, 4, 1}, std::move(v));
}

TEST_CASE("evaluator: outputs in sample order, byte-identical for 1, 2, 3 and 7 threads") {
  const Graph g = small_classifier();
  const Dataset data = random_images(23);
  Expected<Evaluation> one = evaluate_model(g, data, {.threads = 1});
  REQUIRE_MESSAGE(one, (one ? "" : one.error().to_string()));
  CHECK(one->samples == 23);
  REQUIRE(one->outputs.size() == 1);
  CHECK(one->outputs[0].tensor.name == "output");
  for (unsigned t : {2u, 3u, 7u}) {
    Expected<Evaluation> many = evaluate_model(g, data, {.threads = t});
    REQUIRE(many);
    CHECK(many->threads == t);
    CHECK(many->outputs[0].samples == one->outputs[0].samples);
  }
  // Sample order: evaluating sample 5 alone gives the fifth row.
  Expected<Evaluation> single = evaluate_model(g, data.slice(5, 1));
  REQUIRE(single);
  CHECK(single->outputs[0].samples[0] == one->outputs[0].samples[5]);
}

TEST_CASE("evaluator: hooks see every sample once, on a fixed worker; errors name the dataset") {
  const Graph g = small_classifier();
  const Dataset data = random_images(10);
  std::vector<unsigned> worker_of(10, 99);
  std::vector<int> started(3, 0);
  EvaluateOptions opt{.threads = 3, .keep_outputs = false};
  opt.on_worker_start = [&](unsigned w, Interpreter&) { ++started[w]; };
  opt.after_sample = [&](unsigned w, size_t s, Interpreter&) -> Expected<void> {
    worker_of[s] = w;
    return {};
  };
  Expected<Evaluation> ev = evaluate_model(g, data, opt);
  REQUIRE(ev);
  CHECK(ev->outputs.empty());
  CHECK(started == std::vector<int>{1, 1, 1});
  for (size_t s = 0; s < 10; ++s) CHECK(worker_of[s] == s % 3);  // worker w takes w, w + 3, ...

  const Dataset wrong = Dataset::from_floats({5}, std::vector<float>(10, 0.f), {}, "wrong.npy");
  Expected<Evaluation> bad = evaluate_model(g, wrong);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string().find("wrong.npy") != std::string::npos);
}

TEST_CASE("evaluator: float data is quantized for an int8 model exactly as `tinyopt run` does (TFLM golden)") {
  SKIP_WITHOUT_SHARED();
  // The float golden input is the int8 twin's input dequantized, so quantizing it gives TFLM's int8 output.
  Expected<Graph> g = read_tflite_file(test::shared_model("hello_world_int8.tflite"));
  REQUIRE(g);
  Expected<Dataset> data = open_dataset(test::golden_dir("hello_world_float") / "case1" / "input0.npy",
                                        {.inputs = input_specs(*g)});
  REQUIRE_MESSAGE(data, (data ? "" : data.error().to_string()));
  Expected<Evaluation> ev = evaluate_model(*g, *data);
  REQUIRE(ev);
  Expected<NpyArray> golden = read_npy(test::golden_dir("hello_world_int8") / "case1" / "output0.npy");
  REQUIRE(golden);
  CHECK(ev->outputs[0].samples[0] == golden->data);
  // values() dequantizes: scale * (q - zero_point).
  const Tensor& out = ev->outputs[0].tensor;
  const auto q = static_cast<int8_t>(golden->data[0]);
  CHECK(ev->outputs[0].values(0)[0] == static_cast<float>(out.quant->scale[0] * (q - out.quant->zero_point[0])));
}

}  // namespace
}  // namespace tinyopt
