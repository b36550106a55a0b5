// tests/ir/shared_models_shapes_test.cc: shape inference and the dtype rules accept every real model in
// ../shared/models (float, hybrid and int8, as converted by the TFLite converter), and re-inferring the shapes of
// an unchanged model reproduces the converter's stored shapes exactly.
#include <doctest/doctest.h>

#include <filesystem>

#include "formats/tflite/reader.h"
#include "ir/shape_inference.h"
#include "ir/validate.h"
#include "train/batching.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

TEST_CASE("shape inference: every shared model checks, and infer_shapes is the identity on it") {
  SKIP_WITHOUT_SHARED();
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_dir() / "models")) {
    if (entry.path().extension() != ".tflite") continue;
    ++models;
    CAPTURE(entry.path().filename().string());
    auto g = read_tflite_file(entry.path());  // the reader runs Graph::validate, hence check_op_shapes per op
    REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
    for (int i = 0; i < static_cast<int>(g->ops.size()); ++i) {
      auto ok = check_op_shapes(*g, i);
      CHECK_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
    }
    Graph copy = *g;
    REQUIRE(infer_shapes(copy));
    for (size_t t = 0; t < g->tensors.size(); ++t) CHECK(copy.tensors[t].shape == g->tensors[t].shape);
  }
  CHECK(models >= 10);
}

}  // namespace
}  // namespace tinyopt
