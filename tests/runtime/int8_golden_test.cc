// tests/runtime/int8_golden_test.cc: every int8 model in ../shared/models, run by the bundled integer kernels on
// the inputs TFLite Micro saw, must give TFLM's outputs bit for bit (0 LSB, every case, every element). The fast
// kernels (registered) are checked in every ISA variant this CPU supports (tests/runtime/isa_variants.h: portable,
// avx2, avx512vnni, and the VNNI uint8 layout on portable loops), and the reference kernels (the oracle). The same holds for the models in
// ../shared/models/compressed: TFLM's own LUT-4 TFLM_DECODE model and its uncompressed clustered twin.
#include <cstring>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/int8_kernels.h"
#include "tests/runtime/isa_variants.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// The builtin registry with the reference CONV/DEPTHWISE/FC kernels in place of the fast ones.
KernelRegistry reference_registry() {
  KernelRegistry r;
  register_float_kernels(r);
  KernelRegistry fast;
  register_int8_kernels(fast);
  for (OpKind k : {OpKind::Conv2D, OpKind::DepthwiseConv2D, OpKind::FullyConnected}) {
    for (DType t : {DType::Int8, DType::Int16}) {
      if (k == OpKind::Conv2D) r.add(k, t, make_conv_2d_int8_reference);
      if (k == OpKind::DepthwiseConv2D) r.add(k, t, make_depthwise_conv_2d_int8_reference);
      if (k == OpKind::FullyConnected) r.add(k, t, make_fully_connected_int8_reference);
    }
  }
  for (int k = 0; k < kNumOpKinds; ++k)
    for (DType t : {DType::Int8, DType::Int16, DType::UInt8}) {
      const OpKind kind = static_cast<OpKind>(k);
      if (r.find(kind, t) == nullptr && fast.find(kind, t) != nullptr) r.add(kind, t, fast.find(kind, t));
    }
  return r;
}

// Runs the 4 golden cases of model `stem` (in `folder` of ../shared/models and ../shared/golden); returns the
// number of output elements compared.
int64_t check_model(const std::string& stem, const KernelRegistry& registry, const std::string& folder = "") {
  const auto model = folder.empty() ? test::shared_model(stem + ".tflite") : test::shared_model(folder) / (stem + ".tflite");
  const auto golden = folder.empty() ? test::golden_dir(stem) : test::golden_dir(folder) / stem;
  auto g = read_tflite_file(model);
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  auto interp = Interpreter::create(*g, registry);
  REQUIRE_MESSAGE(interp.has_value(), (interp ? "" : interp.error().to_string()));
  int64_t compared = 0;
  for (int k = 0; k < 4; ++k) {
    const auto dir = golden / ("case" + std::to_string(k));
    for (size_t i = 0; i < interp->num_inputs(); ++i) {
      auto x = read_npy(dir / ("input" + std::to_string(i) + ".npy"));
      REQUIRE_MESSAGE(x.has_value(), (x ? "" : x.error().to_string()));
      auto ok = interp->set_input(i, std::span<const uint8_t>(x->data));
      REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
    }
    auto ran = interp->invoke();
    REQUIRE_MESSAGE(ran.has_value(), (ran ? "" : ran.error().to_string()));
    for (size_t o = 0; o < interp->num_outputs(); ++o) {
      auto want = read_npy(dir / ("output" + std::to_string(o) + ".npy"));
      REQUIRE(want.has_value());
      TensorView got = interp->output(o);
      REQUIRE(got.bytes.size() == want->data.size());
      int64_t mismatches = 0, first = -1;
      const size_t esize = dtype_size(got.dtype);
      for (size_t e = 0; e < want->data.size() / esize; ++e)
        if (std::memcmp(got.bytes.data() + e * esize, want->data.data() + e * esize, esize) != 0) {
          ++mismatches;
          if (first < 0) first = static_cast<int64_t>(e);
        }
      INFO(stem << " case" << k << " output" << o << ": first mismatch at element " << first);
      CHECK(mismatches == 0);
      compared += static_cast<int64_t>(want->data.size() / esize);
    }
  }
  return compared;
}

const char* const kInt8Models[] = {"hello_world_int8", "ad_autoencoder_int8", "kws_dscnn_int8", "ic_resnet8_int8",
                                   "person_detect_int8"};

TEST_CASE("int8 golden: fast kernels are bit-exact with TFLite Micro on every shared int8 model, in every ISA variant") {
  SKIP_WITHOUT_SHARED();
  for (const test::IsaVariant& v : test::isa_variants()) {
    CAPTURE(v.name);
    const test::ScopedIsaVariant scoped(v);
    int64_t total = 0;
    for (const char* stem : kInt8Models) {
      if (!std::filesystem::exists(test::shared_model(std::string(stem) + ".tflite"))) continue;
      const int64_t n = check_model(stem, KernelRegistry::builtin());
      MESSAGE(v.name << ": " << stem << ": " << n << " output elements identical to TFLM");
      total += n;
    }
    MESSAGE("int8 golden (fast kernels, " << v.name << "): " << total << " elements compared, 0 LSB tolerance");
    CHECK(total > 0);
  }
}

TEST_CASE("int8 golden: reference kernels are bit-exact with TFLite Micro on every shared int8 model") {
  SKIP_WITHOUT_SHARED();
  const KernelRegistry reg = reference_registry();
  int64_t total = 0;
  for (const char* stem : kInt8Models) {
    if (!std::filesystem::exists(test::shared_model(std::string(stem) + ".tflite"))) continue;
    total += check_model(stem, reg);
  }
  MESSAGE("int8 golden (reference kernels): " << total << " elements compared, 0 LSB tolerance");
  CHECK(total > 0);
}

const char* const kCompressedModels[] = {"kws_dscnn_int8_lut4", "kws_dscnn_int8_clustered"};

TEST_CASE("int8 golden: TFLM's LUT-4 TFLM_DECODE model and its clustered twin are bit-exact with TFLite Micro") {
  SKIP_WITHOUT_SHARED();
  const KernelRegistry reference = reference_registry();
  for (const char* stem : kCompressedModels) {
    if (!std::filesystem::exists(test::shared_model("compressed") / (std::string(stem) + ".tflite"))) continue;
    CAPTURE(stem);
    const int64_t ref = check_model(stem, reference, "compressed");
    CHECK(ref == 48);  // 4 cases x 12 scores
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      CHECK(check_model(stem, KernelRegistry::builtin(), "compressed") == ref);
    }
  }
}

}  // namespace
}  // namespace tinyopt
