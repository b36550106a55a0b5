// tests/passes/distill_recurrent_test.cc: distill fine-tunes models with UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF (their
// backward kernels, runtime/kernels/*_backward.cc), on toy sequences: a few epochs over a few dozen samples.
#include <map>

#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "ir/rng.h"
#include "passes/pass_manager.h"
#include "passes/pipeline_parser.h"
#include "tests/passes/recurrent_test_graphs.h"

namespace tinyopt {
namespace {

Dataset sequences(Shape sample, int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n * num_elements(sample)));
  for (float& v : x) v = rng.uniform(-1.f, 1.f);
  return Dataset::from_floats(std::move(sample), std::move(x));
}

Graph lstm_classifier(uint64_t seed) {
  test::RecurrentGraph b(seed);
  const TensorId x = b.activation("input", {1, 6, 4});
  return b.finish(x, b.classifier_head(b.lstm(x, 5, 3.f), 3));
}

Graph svdf_classifier(uint64_t seed) {
  test::RecurrentGraph b(seed);
  const TensorId x = b.activation("input", {1, 8});
  return b.finish(x, b.classifier_head(b.svdf(x, 4, 2, 3, Activation::Relu), 3));
}

std::vector<double> distill_losses(Graph& student, const Graph& teacher, const Dataset& data) {
  std::vector<double> losses;
  Expected<Pipeline> p = parse_pipeline("distill{epochs=4,batch=8,lr=0.02}");
  REQUIRE(p);
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  REQUIRE(pm);
  PassContext ctx;
  ctx.training = &data;
  ctx.teacher = &teacher;
  ctx.on_progress = [&](const std::string&, const std::map<std::string, double>& f) {
    if (f.count("loss")) losses.push_back(f.at("loss"));
  };
  Expected<void> ok = pm->run(student, ctx);
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
  return losses;
}

TEST_CASE("distill fine-tunes an LSTM and an SVDF classifier: the distillation loss goes down") {
  {
    const Graph teacher = lstm_classifier(3);
    Graph student = lstm_classifier(4);
    const std::vector<double> l = distill_losses(student, teacher, sequences({6, 4}, 48, 1));
    REQUIRE(l.size() >= 2);
    CHECK(l.back() < l.front());
  }
  {
    const Graph teacher = svdf_classifier(3);
    Graph student = svdf_classifier(4);
    const std::vector<double> l = distill_losses(student, teacher, sequences({8}, 48, 2));
    REQUIRE(l.size() >= 2);
    CHECK(l.back() < l.front());
  }
}

}  // namespace
}  // namespace tinyopt
