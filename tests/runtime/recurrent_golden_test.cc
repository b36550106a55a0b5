// tests/runtime/recurrent_golden_test.cc: the models of ../shared/models/recurrent (SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM,
// 16x8 TRANSPOSE_CONV, QUANTIZE int16 -> int8 and int16 -> int32) must give TFLite Micro's outputs bit for bit on
// its golden inputs. TFLM's outputs are those of the first Invoke() after AllocateTensors(), i.e. from zero state:
// each case starts from reset_state(). Also: state persists across invocations and reset_state() restores the
// zero-state result, as the runtime's `run` relies on.
#include <cstring>
#include <vector>
#include <string>

#include <doctest/doctest.h>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/interpreter.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

std::filesystem::path recurrent_model(const std::string& stem) {
  return test::shared_model("recurrent") / (stem + ".tflite");
}
std::filesystem::path recurrent_case(const std::string& stem, int k) {
  return test::golden_dir("recurrent") / stem / ("case" + std::to_string(k));
}

void set_case_inputs(Interpreter& interp, const std::string& stem, int k) {
  for (size_t i = 0; i < interp.num_inputs(); ++i) {
    auto x = read_npy(recurrent_case(stem, k) / ("input" + std::to_string(i) + ".npy"));
    REQUIRE_MESSAGE(x.has_value(), (x ? "" : x.error().to_string()));
    auto ok = interp.set_input(i, std::span<const uint8_t>(x->data));
    REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
  }
}

// Elements of output `o` that differ from case k's golden output.
int64_t mismatches(Interpreter& interp, const std::string& stem, int k, size_t o, int64_t* compared = nullptr) {
  auto want = read_npy(recurrent_case(stem, k) / ("output" + std::to_string(o) + ".npy"));
  REQUIRE(want.has_value());
  TensorView got = interp.output(o);
  REQUIRE(got.bytes.size() == want->data.size());
  const size_t esize = dtype_size(got.dtype);
  int64_t bad = 0;
  for (size_t e = 0; e < want->data.size() / esize; ++e)
    bad += std::memcmp(got.bytes.data() + e * esize, want->data.data() + e * esize, esize) != 0;
  if (compared) *compared += static_cast<int64_t>(want->data.size() / esize);
  return bad;
}

void check_golden(const std::string& stem) {
  auto g = read_tflite_file(recurrent_model(stem));
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  auto interp = Interpreter::create(*g);
  REQUIRE_MESSAGE(interp.has_value(), (interp ? "" : interp.error().to_string()));
  int64_t compared = 0;
  for (int k = 0; k < 4; ++k) {
    interp->reset_state();
    set_case_inputs(*interp, stem, k);
    auto ran = interp->invoke();
    REQUIRE_MESSAGE(ran.has_value(), (ran ? "" : ran.error().to_string()));
    for (size_t o = 0; o < interp->num_outputs(); ++o) {
      INFO(stem << " case" << k << " output" << o);
      CHECK(mismatches(*interp, stem, k, o, &compared) == 0);
    }
  }
  MESSAGE(stem << ": " << compared << " output elements bit-exact with TFLM");
}

TEST_CASE("recurrent golden: 16x8 TRANSPOSE_CONV (seanet) is bit-exact with TFLM") {
  SKIP_WITHOUT_SHARED();
  check_golden("seanet_transpose_conv0_int16");
}

TEST_CASE("recurrent golden: int8 SVDF keyword model (QUANTIZE int16->int8, int16->int32) is bit-exact with TFLM") {
  SKIP_WITHOUT_SHARED();
  check_golden("keyword_scrambled_int8");
}

TEST_CASE("recurrent golden: int8 UNIDIRECTIONAL_SEQUENCE_LSTM (micro_speech) is bit-exact with TFLM") {
  SKIP_WITHOUT_SHARED();
  check_golden("micro_speech_lstm_int8");
}

TEST_CASE("recurrent: LSTM and SVDF state persists across invocations; reset_state() returns to zero state") {
  SKIP_WITHOUT_SHARED();
  for (const char* stem : {"keyword_scrambled_int8", "micro_speech_lstm_int8"}) {
    INFO(stem);
    auto g = read_tflite_file(recurrent_model(stem));
    REQUIRE(g.has_value());
    auto interp = Interpreter::create(*g);
    REQUIRE(interp.has_value());
    CHECK(interp->stateful());
    // The outputs of the stateful ops (SVDF, LSTM) of one invocation, captured as they run (the arena reuses them).
    std::vector<uint8_t> seen;
    interp->set_observer([&](int, const Op& op, std::span<const TensorView> outs) {
      if (op.kind != OpKind::Svdf && op.kind != OpKind::SequenceLstm) return;
      for (const TensorView& v : outs) seen.insert(seen.end(), v.bytes.begin(), v.bytes.end());
    });
    // ... and the state tensors after it.
    auto run = [&] {
      seen.clear();
      set_case_inputs(*interp, stem, 1);  // the arena may have reused the input's bytes
      REQUIRE(interp->invoke().has_value());
      for (TensorId id = 0; id < static_cast<TensorId>(g->tensors.size()); ++id)
        if (g->tensor(id).is_variable) {
          const TensorView v = interp->tensor(id);
          seen.insert(seen.end(), v.bytes.begin(), v.bytes.end());
        }
      return seen;
    };
    // A fresh interpreter starts from zero state: case 1 alone matches TFLM.
    const std::vector<uint8_t> first = run();
    CHECK(mismatches(*interp, stem, 1, 0) == 0);
    // The same input again continues from the state the first run left, so the recurrent ops (or, where their
    // outputs saturate, the states) take other values; TFLM's final outputs may still agree
    // ("stateful_repeat_outputs_differ" is false for both models).
    const std::vector<uint8_t> second = run();
    CHECK(second != first);
    interp->reset_state();
    const std::vector<uint8_t> third = run();
    CHECK(third == first);
    CHECK(mismatches(*interp, stem, 1, 0) == 0);
  }
}

}  // namespace
}  // namespace tinyopt
