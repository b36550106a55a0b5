// tests/runtime/float_golden_test.cc: the float interpreter on the shared float models against TFLite Micro's
// outputs (../shared/golden/<model>/caseK), within np.allclose(y, ref, rtol=1e-4, atol=1e-5). Float paths are
// not bit-exact across implementations (summation order, FMA, libm), hence the tolerance (golden/README.md).
// kws_dscnn_float has no golden outputs (TFLM rejects hybrid models) but must prepare and run.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/interpreter.h"
#include "tests/runtime/isa_variants.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

struct Comparison {
  double max_abs = 0, max_rel = 0;
  int64_t mismatches = 0;  // elements outside atol + rtol * |ref|
};

Comparison compare(std::span<const float> y, std::span<const float> ref, double rtol = 1e-4, double atol = 1e-5) {
  Comparison c;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::fabs(double(y[i]) - ref[i]);
    c.max_abs = std::max(c.max_abs, d);
    if (ref[i] != 0) c.max_rel = std::max(c.max_rel, d / std::fabs(double(ref[i])));
    if (!(d <= atol + rtol * std::fabs(double(ref[i])))) ++c.mismatches;
  }
  return c;
}

void check_model_against_golden(const std::string& stem) {
  auto g = read_tflite_file(test::shared_model(stem + ".tflite"));
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  auto interp = Interpreter::create(*g);
  REQUIRE_MESSAGE(interp, (interp ? "" : interp.error().to_string()));
  for (int k = 0; k < 4; ++k) {
    const auto dir = test::golden_dir(stem) / fmt::format("case{}", k);
    CAPTURE(dir.string());
    for (size_t i = 0; i < interp->num_inputs(); ++i) {
      auto x = read_npy(dir / fmt::format("input{}.npy", i));
      REQUIRE_MESSAGE(x, (x ? "" : x.error().to_string()));
      auto ok = interp->set_input(i, std::span<const uint8_t>(x->data));
      REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
    }
    REQUIRE(interp->invoke());
    for (size_t o = 0; o < interp->num_outputs(); ++o) {
      auto ref = read_npy(dir / fmt::format("output{}.npy", o));
      REQUIRE(ref);
      REQUIRE(ref->dtype == DType::Float32);
      TensorView y = interp->output(o);
      REQUIRE(y.num_elements() == ref->num_elements());
      const Comparison c = compare(y.as<float>(), ref->values<float>());
      MESSAGE(stem << " case" << k << " output" << o << ": max abs err " << c.max_abs << ", max rel err " << c.max_rel);
      CHECK(c.mismatches == 0);
    }
  }
}

TEST_CASE("float golden: hello_world_float") {
  SKIP_WITHOUT_SHARED();
  check_model_against_golden("hello_world_float");
}

TEST_CASE("float golden: ad_autoencoder_float") {
  SKIP_WITHOUT_SHARED();
  check_model_against_golden("ad_autoencoder_float");
}

TEST_CASE("float golden: fmnist_cnn_float") {
  SKIP_WITHOUT_SHARED();
  check_model_against_golden("fmnist_cnn_float");
}

TEST_CASE("float golden: ic_resnet8_float") {
  SKIP_WITHOUT_SHARED();
  check_model_against_golden("ic_resnet8_float");
}

TEST_CASE("float: kws_dscnn_float (hybrid weights) prepares and runs to a probability vector") {
  SKIP_WITHOUT_SHARED();
  auto g = read_tflite_file(test::shared_model("kws_dscnn_float.tflite"));
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  auto interp = Interpreter::create(*g);
  REQUIRE_MESSAGE(interp, (interp ? "" : interp.error().to_string()));
  // The int8 twin's golden input, dequantized, is a realistic MFCC input for the float model.
  auto q = read_npy(test::golden_dir("kws_dscnn_int8") / "case0" / "input0.npy");
  REQUIRE(q);
  TensorView x = interp->input(0);
  REQUIRE(x.num_elements() == q->num_elements());
  for (int64_t i = 0; i < x.num_elements(); ++i) x.as<float>()[static_cast<size_t>(i)] = 0.1f * q->values<int8_t>()[static_cast<size_t>(i)];
  REQUIRE(interp->invoke());
  std::span<const float> y = interp->output(0).as<float>();
  REQUIRE(y.size() == 12);
  double sum = 0;
  for (float v : y) { CHECK(v >= 0.0f); CHECK(std::isfinite(v)); sum += v; }
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("float: every shared float model gives the same outputs on two threads as on one") {
  SKIP_WITHOUT_SHARED();
  auto g = read_tflite_file(test::shared_model("ic_resnet8_float.tflite"));
  REQUIRE(g);
  auto interp = Interpreter::create(*g);
  REQUIRE(interp);
  constexpr size_t kSamples = 6;
  std::vector<std::vector<float>> inputs(kSamples), serial(kSamples), threaded(kSamples);
  for (size_t s = 0; s < kSamples; ++s) {
    inputs[s].resize(static_cast<size_t>(interp->input(0).num_elements()));
    for (size_t i = 0; i < inputs[s].size(); ++i) inputs[s][i] = static_cast<float>((i * 7 + s * 13) % 256);
  }
  auto run_into = [&](std::vector<std::vector<float>>& out, unsigned threads) {
    return for_each_sample(*interp, kSamples, [&](Interpreter& it, size_t s) -> Expected<void> {
      if (auto ok = it.set_input<float>(0, inputs[s]); !ok) return ok;
      if (auto ok = it.invoke(); !ok) return ok;
      auto y = it.output(0).as<float>();
      out[s].assign(y.begin(), y.end());
      return {};
    }, threads);
  };
  REQUIRE(run_into(serial, 1));
  REQUIRE(run_into(threaded, 2));
  for (size_t s = 0; s < kSamples; ++s) CHECK(serial[s] == threaded[s]);
  CHECK(serial[0] != serial[1]);
}

// The float GEMM's summation order is fixed (runtime/gemm_float.h), so quantize's calibration, which runs these
// models, gives the same ranges on every machine: outputs must match the portable variant bit for bit.
TEST_CASE("float: every ISA variant gives bit-identical outputs on the shared float models") {
  SKIP_WITHOUT_SHARED();
  for (const char* stem : {"hello_world_float", "ad_autoencoder_float", "fmnist_cnn_float", "ic_resnet8_float",
                           "kws_dscnn_float", "vww_mobilenet_float"}) {
    CAPTURE(stem);
    auto g = read_tflite_file(test::shared_model(std::string(stem) + ".tflite"));
    REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
    std::vector<std::vector<float>> first;  // outputs of the first variant (portable)
    for (Isa isa : test::tested_isas()) {
      CAPTURE(isa_name(isa));
      ScopedIsa scoped(isa);
      auto interp = Interpreter::create(*g);
      REQUIRE(interp);
      for (size_t i = 0; i < interp->num_inputs(); ++i) {  // a deterministic pattern in [-1, 1)
        std::span<float> x = interp->input(i).as<float>();
        for (size_t e = 0; e < x.size(); ++e) x[e] = static_cast<float>((e * 37 + i * 11) % 200) / 100.0f - 1.0f;
      }
      REQUIRE(interp->invoke());
      std::vector<std::vector<float>> outs;
      for (size_t o = 0; o < interp->num_outputs(); ++o) {
        std::span<const float> y = interp->output(o).as<float>();
        outs.emplace_back(y.begin(), y.end());
      }
      if (first.empty()) {
        first = outs;
        continue;
      }
      for (size_t o = 0; o < outs.size(); ++o)
        CHECK(std::memcmp(outs[o].data(), first[o].data(), outs[o].size() * sizeof(float)) == 0);
    }
  }
}

}  // namespace
}  // namespace tinyopt
