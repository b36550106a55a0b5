// tests/runtime/multi_sample_test.cc: the evaluator's multi-sample execution (EvaluateOptions::samples_per_invoke,
// runtime/evaluate.h). On the shared int8 models, blocks of 2 and 4 samples (5 samples: the last block padded)
// give TFLite Micro's bytes, the same as one sample per invoke, in every ISA variant; on a float model the
// outputs equal one-at-a-time bit for bit and are identical for 1 and 2 threads; hooks fall back to 1.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/evaluate.h"
#include "tests/runtime/isa_variants.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// The golden inputs of cases 0..3 of `stem` and case 0 again (5 samples), with the expected outputs per sample.
struct GoldenSamples {
  Dataset data;
  std::vector<std::vector<uint8_t>> outputs;  // output 0 per sample
};

GoldenSamples golden_samples(const std::string& stem, const Graph& g) {
  const int kCases[] = {0, 1, 2, 3, 0};
  NpyArray all;
  GoldenSamples out;
  for (int k : kCases) {
    const auto dir = test::golden_dir(stem) / ("case" + std::to_string(k));
    Expected<NpyArray> x = read_npy(dir / "input0.npy");
    REQUIRE_MESSAGE(x, (x ? "" : x.error().to_string()));
    Expected<NpyArray> y = read_npy(dir / "output0.npy");
    REQUIRE(y);
    all.dtype = x->dtype;
    all.data.insert(all.data.end(), x->data.begin(), x->data.end());
    out.outputs.push_back(y->data);
  }
  const Shape sample = g.tensor(g.inputs[0]).shape;
  all.shape = sample;
  all.shape[0] = 5;
  out.data = Dataset::from_arrays({std::move(all)}, {stem}, {sample}, 5);
  return out;
}

TEST_CASE("multi-sample evaluation: int8 shared models give TFLM's bytes with 2 and 4 samples per invoke") {
  SKIP_WITHOUT_SHARED();
  for (const char* stem : {"hello_world_int8", "ad_autoencoder_int8", "kws_dscnn_int8", "ic_resnet8_int8",
                           "person_detect_int8"}) {
    if (!std::filesystem::exists(test::shared_model(std::string(stem) + ".tflite"))) continue;
    CAPTURE(stem);
    Expected<Graph> g = read_tflite_file(test::shared_model(std::string(stem) + ".tflite"));
    REQUIRE(g);
    if (g->inputs.size() != 1) continue;
    const GoldenSamples gs = golden_samples(stem, *g);
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      for (int block : {2, 4}) {
        CAPTURE(block);
        Expected<Evaluation> ev = evaluate_model(*g, gs.data, {.threads = 2, .samples_per_invoke = block});
        REQUIRE_MESSAGE(ev, (ev ? "" : ev.error().to_string()));
        CHECK(ev->samples_per_invoke == block);
        for (size_t s = 0; s < 5; ++s) CHECK(ev->outputs[0].samples[s] == gs.outputs[s]);
      }
    }
  }
}

// The float GEMM sums every output in one order whatever the rows around it (runtime/gemm_float.h), so blocks of
// samples give the bits of one sample per invoke.
TEST_CASE("multi-sample evaluation: float outputs equal one sample per invoke bit for bit, for any thread count") {
  SKIP_WITHOUT_SHARED();
  const std::string stem = "fmnist_cnn_float";
  Expected<Graph> g = read_tflite_file(test::shared_model(stem + ".tflite"));
  REQUIRE(g);
  const GoldenSamples gs = golden_samples(stem, *g);
  Expected<Evaluation> one = evaluate_model(*g, gs.data, {.threads = 1});
  REQUIRE(one);
  CHECK(one->samples_per_invoke == 1);
  Expected<Evaluation> block1 = evaluate_model(*g, gs.data, {.threads = 1, .samples_per_invoke = 4});
  Expected<Evaluation> block2 = evaluate_model(*g, gs.data, {.threads = 2, .samples_per_invoke = 4});
  REQUIRE(block1);
  REQUIRE(block2);
  CHECK(block1->samples_per_invoke == 4);
  CHECK(block1->outputs[0].samples == block2->outputs[0].samples);  // same blocks, whatever the threads
  for (size_t s = 0; s < 5; ++s) {
    const std::vector<float> a = one->outputs[0].values(s), b = block1->outputs[0].values(s);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(a[i] - b[i]) <= 1e-5f + 1e-4f * std::fabs(a[i]));
    CHECK(one->outputs[0].samples[s] == block1->outputs[0].samples[s]);
  }
}

TEST_CASE("multi-sample evaluation: a hook makes the evaluator run one sample per invoke") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("hello_world_int8.tflite"));
  REQUIRE(g);
  const GoldenSamples gs = golden_samples("hello_world_int8", *g);
  int seen = 0;
  EvaluateOptions opt{.threads = 1, .samples_per_invoke = 4};
  opt.after_sample = [&](unsigned, size_t, Interpreter&) -> Expected<void> {
    ++seen;
    return {};
  };
  Expected<Evaluation> ev = evaluate_model(*g, gs.data, opt);
  REQUIRE(ev);
  CHECK(ev->samples_per_invoke == 1);
  CHECK(seen == 5);
  for (size_t s = 0; s < 5; ++s) CHECK(ev->outputs[0].samples[s] == gs.outputs[s]);
}

}  // namespace
}  // namespace tinyopt
