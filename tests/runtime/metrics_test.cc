// tests/runtime/metrics_test.cc: metric values on hand-computed cases (runtime/metrics.h), and the per-tensor
// comparison of a shared float model with its quantized twin (the quantize pipeline's output).
#include <cmath>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"
#include "runtime/metrics.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// An evaluation of one float32 output [1, k] with the given rows, built by hand.
Evaluation float_rows(const std::vector<std::vector<float>>& rows) {
  Evaluation ev;
  ev.samples = rows.size();
  Tensor t;
  t.name = "out";
  t.dtype = DType::Float32;
  t.shape = {1, static_cast<int32_t>(rows.empty() ? 0 : rows[0].size())};
  OutputSamples out{t, {}};
  for (const auto& r : rows) {
    std::vector<uint8_t> bytes(r.size() * sizeof(float));
    std::memcpy(bytes.data(), r.data(), bytes.size());
    out.samples.push_back(std::move(bytes));
  }
  ev.outputs.push_back(std::move(out));
  return ev;
}

TEST_CASE("argmax and top-k: ties go to the lower index") {
  CHECK(argmax(std::vector<float>{0.1f, 0.7f, 0.7f}) == 1);
  const std::vector<float> v{0.2f, 0.5f, 0.1f, 0.5f};
  CHECK(in_top_k(v, 1, 1));
  CHECK_FALSE(in_top_k(v, 3, 1));  // 0.5 at index 1 ranks first
  CHECK(in_top_k(v, 3, 2));
  CHECK_FALSE(in_top_k(v, 0, 2));
  CHECK(in_top_k(v, 0, 3));
  CHECK_FALSE(in_top_k(v, 7, 4));  // not a class
}

TEST_CASE("top-k accuracy and top-1 agreement, counted by hand") {
  // Rows' argmax: 0, 2, 1, 1; second-best: 1, 0, 2, 0.
  const Evaluation ev = float_rows({{0.9f, 0.5f, 0.1f}, {0.3f, 0.1f, 0.6f}, {0.2f, 0.7f, 0.3f}, {0.4f, 0.6f, 0.0f}});
  const Dataset labels = Dataset::from_floats({1}, std::vector<float>(4, 0.f), {0, 0, 2, 1});
  CHECK(*top_k_accuracy(ev, labels, 1) == doctest::Approx(0.5));   // samples 0 and 3
  CHECK(*top_k_accuracy(ev, labels, 2) == doctest::Approx(1.0));   // 1: label 0 second; 2: label 2 second
  CHECK_FALSE(top_k_accuracy(ev, Dataset::from_floats({1}, std::vector<float>(4, 0.f))));  // no labels
  const Evaluation other = float_rows({{0.1f, 0.9f, 0.0f}, {0.0f, 0.1f, 0.9f}, {0.0f, 0.9f, 0.1f}, {0.9f, 0.0f, 0.0f}});
  CHECK(*top1_agreement(ev, other) == doctest::Approx(0.5));  // argmax 1,2,1,0 vs 0,2,1,1: samples 1 and 2
}

TEST_CASE("SQNR, MSE and max abs error, computed by hand; int8 outputs dequantized") {
  // ref [1, 2, 3], cand [1, 2, 4]: signal 1 + 4 + 9 = 14, noise 1, SQNR 10 log10(14) = 11.4613 dB, MSE 1/3.
  ErrorStats e;
  e.add(std::vector<float>{1, 2, 3}, std::vector<float>{1, 2, 4});
  CHECK(e.sqnr_db() == doctest::Approx(11.4613).epsilon(1e-4));
  CHECK(e.mse() == doctest::Approx(1.0 / 3.0));
  CHECK(e.max_abs_error == 1.0);
  ErrorStats same;
  same.add(std::vector<float>{1, 2}, std::vector<float>{1, 2});
  CHECK(std::isinf(same.sqnr_db()));
  CHECK(same.sqnr_db() > 0);

  // An int8 candidate with scale 0.5, zero point -1: q = [1, 3] is [1.0, 2.0]; against ref [1, 3]: noise 1.
  Evaluation ref = float_rows({{1.f, 3.f}});
  Evaluation cand = ref;
  Tensor& t = cand.outputs[0].tensor;
  t.dtype = DType::Int8;
  t.quant = QuantParams{{0.5f}, {-1}, 0};
  cand.outputs[0].samples[0] = {1, 3};
  CHECK(cand.outputs[0].values(0) == std::vector<float>{1.f, 2.f});
  Expected<std::vector<ErrorStats>> cmp = compare_outputs(ref, cand);
  REQUIRE(cmp);
  CHECK((*cmp)[0].noise == 1.0);
  CHECK((*cmp)[0].signal == 10.0);
  CHECK((*cmp)[0].sqnr_db() == doctest::Approx(10.0));
  CHECK((*cmp)[0].max_abs_error == 1.0);
}

TEST_CASE("per-tensor SQNR: fmnist_cnn_float against its quantized twin, the same for any thread count") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> fl = read_tflite_file(test::shared_model("fmnist_cnn_float.tflite"));
  REQUIRE(fl);
  Expected<Dataset> data = open_dataset(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/sample_input.npy",
                                        {.inputs = input_specs(*fl)});
  REQUIRE(data);
  // The twin: what `tinyopt quantize --calib sample_input.npy` writes (int8 end to end), same tensor names.
  Graph q = *fl;
  Expected<Pipeline> p = parse_pipeline("dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,quantize");
  REQUIRE(p);
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  REQUIRE(pm);
  PassContext ctx;
  ctx.calibration = &*data;
  REQUIRE(pm->run(q, ctx));

  Expected<std::vector<TensorComparison>> one = compare_tensors(*fl, q, *data, 1);
  REQUIRE_MESSAGE(one, (one ? "" : one.error().to_string()));
  REQUIRE(one->size() >= 8);  // the input and every op output
  CHECK(one->front().tensor == "input");
  CHECK(one->front().op == -1);
  for (const TensorComparison& row : *one) {
    CAPTURE(row.tensor);
    CHECK(row.error.elements > 0);
    CHECK(row.error.sqnr_db() > 15.0);  // int8 keeps every activation well above noise on its own data
  }
  Expected<std::vector<TensorComparison>> three = compare_tensors(*fl, q, *data, 3);
  REQUIRE(three);
  REQUIRE(three->size() == one->size());
  for (size_t i = 0; i < one->size(); ++i) {
    CHECK((*three)[i].error.signal == (*one)[i].error.signal);
    CHECK((*three)[i].error.noise == (*one)[i].error.noise);
  }
  // A graph against itself: no noise anywhere.
  Expected<std::vector<TensorComparison>> self = compare_tensors(*fl, *fl, *data, 2);
  REQUIRE(self);
  for (const TensorComparison& row : *self) CHECK(row.error.noise == 0.0);
}

}  // namespace
}  // namespace tinyopt
