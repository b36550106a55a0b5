// tests/runtime/float_batch_test.cc: a shared float model re-shaped from batch 1 to batch N (infer_shapes, as
// training does) gives, for every sample of the batch, the output batch 1 gives for it alone.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "formats/tflite/reader.h"
#include "ir/shape_inference.h"
#include "train/batching.h"
#include "runtime/interpreter.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

void check_batch_matches_singles(const std::string& stem, int batch) {
  auto single = read_tflite_file(test::shared_model(stem + ".tflite"));
  REQUIRE_MESSAGE(single, (single ? "" : single.error().to_string()));
  Graph batched = *single;
  Shape& in_shape = batched.tensor(batched.inputs[0]).shape;
  REQUIRE(in_shape[0] == 1);
  in_shape[0] = batch;
  auto ok = infer_shapes(batched);
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
  REQUIRE(batched.tensor(batched.outputs[0]).shape[0] == batch);

  auto one = Interpreter::create(*single);
  auto many = Interpreter::create(batched);
  REQUIRE_MESSAGE(many, (many ? "" : many.error().to_string()));
  REQUIRE(one);
  const size_t in_n = static_cast<size_t>(one->input(0).num_elements());
  const size_t out_n = static_cast<size_t>(one->output(0).num_elements());
  std::vector<float> all(in_n * static_cast<size_t>(batch));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<float>((i * 31 + 7) % 97) / 97.0f;
  REQUIRE(many->set_input<float>(0, all));
  REQUIRE(many->invoke());
  auto ys = many->output(0).as<float>();
  REQUIRE(ys.size() == out_n * static_cast<size_t>(batch));
  for (int b = 0; b < batch; ++b) {
    REQUIRE(one->set_input<float>(0, std::span<const float>(all).subspan(static_cast<size_t>(b) * in_n, in_n)));
    REQUIRE(one->invoke());
    auto y = one->output(0).as<float>();
    for (size_t i = 0; i < out_n; ++i)
      CHECK_MESSAGE(std::fabs(ys[static_cast<size_t>(b) * out_n + i] - y[i]) <= 1e-5f * (1 + std::fabs(y[i])),
                    stem << " sample " << b << " element " << i);
  }
}

TEST_CASE("float batch N: fmnist_cnn_float (RESHAPE with a hard-coded batch) at batch 5") {
  SKIP_WITHOUT_SHARED();
  check_batch_matches_singles("fmnist_cnn_float", 5);
}

TEST_CASE("float batch N: ic_resnet8_float at batch 3") {
  SKIP_WITHOUT_SHARED();
  check_batch_matches_singles("ic_resnet8_float", 3);
}

TEST_CASE("float batch N: ad_autoencoder_float at batch 4") {
  SKIP_WITHOUT_SHARED();
  check_batch_matches_singles("ad_autoencoder_float", 4);
}

}  // namespace
}  // namespace tinyopt
