// tests/passes/quantize_recurrent_test.cc: post-training quantization of TRANSPOSE_CONV, UNIDIRECTIONAL_SEQUENCE_LSTM
// and SVDF. The float models are the float twins (passes/float_twin.h: every weight dequantized) of the TFLM example
// models in ../shared/models/recurrent, calibrated on their golden inputs; the results are compared field by field
// with the originals (what the converter wrote) and run in our integer kernels against the float twin.
#include <algorithm>
#include <cmath>
#include <optional>

#include <doctest/doctest.h>

#include "formats/dataset/dataset.h"
#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "passes/float_twin.h"
#include "passes/pass_manager.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"
#include "tests/shared_data.h"
#include "tests/passes/recurrent_test_graphs.h"
#include "tests/passes/run_pipeline_text.h"

using namespace tinyopt;

namespace {

Graph original(const std::string& stem) {
  Expected<Graph> g = read_tflite_file(test::shared_model("recurrent/" + stem + ".tflite"));
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  return std::move(*g);
}

// The golden inputs `input<k>.npy` of every case, dequantized with the original's input parameters.
Dataset golden_floats(const std::string& stem, const Graph& q, TensorId input, int k) {
  std::vector<float> values;
  for (int c = 0; c < 4; ++c) {
    Expected<NpyArray> a =
        read_npy(test::golden_dir("recurrent/" + stem) / ("case" + std::to_string(c)) / ("input" + std::to_string(k) + ".npy"));
    REQUIRE(a);
    const std::vector<float> v = dequantize(q.tensor(input), a->data);
    values.insert(values.end(), v.begin(), v.end());
  }
  return Dataset::from_floats(q.tensor(input).shape, std::move(values));
}

Graph quantized(Graph g, const std::string& pipeline, const Dataset& data) {
  PassContext ctx;
  ctx.calibration = &data;
  Expected<std::vector<PassRunRecord>> ok = test::run_pipeline_text(g, pipeline, ctx);
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
  // What we write must read back (TFLM reads the same file).
  Expected<std::vector<uint8_t>> bytes = write_tflite(g);
  REQUIRE_MESSAGE(bytes, (bytes ? "" : bytes.error().to_string()));
  Expected<Graph> back = read_tflite(*bytes, "quantized");
  REQUIRE_MESSAGE(back, (back ? "" : back.error().to_string()));
  return std::move(*back);
}

Evaluation run(const Graph& g, const Dataset& data) {
  Expected<Evaluation> ev = evaluate_model(g, data);
  REQUIRE_MESSAGE(ev, (ev ? "" : ev.error().to_string()));
  return std::move(*ev);
}

// Field by field: dtype, shape, parameter count, axis and zero points of every operand of op `i`.
void check_same_layout(const Graph& ours, const Graph& theirs, size_t i, std::initializer_list<size_t> skip = {}) {
  const Op& a = ours.ops[i];
  const Op& b = theirs.ops[i];
  REQUIRE(a.inputs.size() == b.inputs.size());
  for (size_t k = 0; k < a.inputs.size(); ++k) {
    CAPTURE(k);
    REQUIRE((a.inputs[k] == kNoTensor) == (b.inputs[k] == kNoTensor));
    if (a.inputs[k] == kNoTensor || std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    const Tensor& x = ours.tensor(a.inputs[k]);
    const Tensor& y = theirs.tensor(b.inputs[k]);
    CHECK(dtype_name(x.dtype) == dtype_name(y.dtype));
    CHECK(x.shape == y.shape);
    CHECK(x.is_variable == y.is_variable);
    REQUIRE(x.quant.has_value() == y.quant.has_value());
    if (!x.quant) continue;
    CHECK(x.quant->scale.size() == y.quant->scale.size());
    CHECK(x.quant->axis == y.quant->axis);
    if (y.quant->zero_point[0] == 0) CHECK(x.quant->zero_point == y.quant->zero_point);  // symmetric stays symmetric
  }
  CHECK(dtype_name(ours.tensor(a.outputs[0]).dtype) == dtype_name(theirs.tensor(b.outputs[0]).dtype));
}

}  // namespace

TEST_CASE("quantize: a float TRANSPOSE_CONV gets per-channel int8 weights; 16x8 as the seanet model has it") {
  SKIP_WITHOUT_SHARED();
  Graph q = original("seanet_transpose_conv0_int16");
  Expected<Graph> f = float_twin(q);
  REQUIRE(f);
  // Input 0 is the output shape, fed at run time in the original: a constant here (calibration takes one input).
  Tensor& shape = f->tensor(f->inputs[0]);
  const std::vector<int32_t> out_shape = {1, 3, 12, 64};
  shape.set_values<int32_t>(out_shape);
  f->inputs.erase(f->inputs.begin());
  const Dataset data = golden_floats("seanet_transpose_conv0_int16", q, q.inputs[1], 1);
  const Evaluation reference = run(*f, data);
  for (const char* activations : {"int16", "int8"}) {
    CAPTURE(activations);
    Graph ours = quantized(*f, std::string("quantize{activations=") + activations + "}", data);
    REQUIRE(ours.ops.size() == 1);
    const Op& op = ours.ops[0];
    const Tensor& w = ours.tensor(op.inputs[1]);
    CHECK(w.dtype == DType::Int8);
    CHECK(w.quant->scale.size() == static_cast<size_t>(w.shape[0]));  // per output channel, axis 0
    CHECK(w.quant->axis == 0);
    CHECK(ours.tensor(op.inputs[3]).dtype == (activations[3] == '1' ? DType::Int64 : DType::Int32));
    if (activations[3] == '1') {
      // Field by field with the converter's 16x8 model (shape input 0 aside: a constant here).
      check_same_layout(ours, q, 0, {0});
      CHECK(ours.tensor(op.inputs[2]).quant->zero_point[0] == 0);
    }
    const Evaluation ev = run(ours, data);
    Expected<std::vector<ErrorStats>> err = compare_outputs(reference, ev);
    REQUIRE(err);
    MESSAGE(activations << " TRANSPOSE_CONV SQNR vs float: " << (*err)[0].sqnr_db() << " dB");
    CHECK((*err)[0].sqnr_db() > (activations[3] == '1' ? 40.0 : 25.0));
  }
}

TEST_CASE("quantize: a float LSTM becomes the converter's integer LSTM (micro_speech_lstm field by field)") {
  SKIP_WITHOUT_SHARED();
  const Graph q = original("micro_speech_lstm_int8");
  Expected<Graph> f = float_twin(q);
  REQUIRE(f);
  const Dataset data = golden_floats("micro_speech_lstm_int8", q, q.inputs[0], 0);
  Graph ours = quantized(*f, "quantize", data);
  REQUIRE(ours.ops.size() == q.ops.size());
  for (size_t i = 0; i < ours.ops.size(); ++i) {
    CAPTURE(i);
    check_same_layout(ours, q, i);
  }
  const Op& lstm = ours.ops[0];
  const Op& theirs = q.ops[0];
  // Weights: the twin's dequantized weights requantize to the original's scales and values.
  for (size_t k = 1; k <= 8; ++k) {
    CAPTURE(k);
    CHECK(ours.tensor(lstm.inputs[k]).quant->scale[0] == doctest::Approx(q.tensor(theirs.inputs[k]).quant->scale[0]).epsilon(1e-6));
    CHECK(ours.tensor(lstm.inputs[k]).data == q.tensor(theirs.inputs[k]).data);
  }
  // Biases: input scale x input-weight scale of their gate.
  for (size_t k = 12; k <= 15; ++k)
    CHECK(ours.tensor(lstm.inputs[k]).quant->scale[0] ==
          doctest::Approx(ours.tensor(lstm.inputs[0]).quant->scale[0] * ours.tensor(lstm.inputs[k - 11]).quant->scale[0]));
  // The output state shares the output's parameters; the cell state is 2^-11 (cell_clip 10 -> 16 / 32768).
  const Tensor& h = ours.tensor(lstm.inputs[18]);
  CHECK(h.quant == ours.tensor(lstm.outputs[0]).quant);
  CHECK(ours.tensor(lstm.inputs[19]).quant->scale[0] == q.tensor(theirs.inputs[19]).quant->scale[0]);
  CHECK(ours.tensor(lstm.inputs[19]).quant->scale[0] == std::ldexp(1.0f, -11));
  // Five intermediates, typed and named as the converter's.
  REQUIRE(lstm.intermediates.size() == theirs.intermediates.size());
  for (size_t k = 0; k < lstm.intermediates.size(); ++k) {
    const Tensor& a = ours.tensor(lstm.intermediates[k]);
    const Tensor& b = q.tensor(theirs.intermediates[k]);
    CHECK(a.name == b.name);
    CHECK(dtype_name(a.dtype) == dtype_name(b.dtype));
    CHECK(a.shape == b.shape);
    CHECK(a.quant.has_value() == b.quant.has_value());
  }
  CHECK(ours.tensor(lstm.intermediates[4]).quant == h.quant);
  // It runs in our TFLM-exact integer LSTM and agrees with the float twin.
  const Evaluation reference = run(*f, data);
  const Evaluation ev = run(ours, data);
  Expected<double> agree = top1_agreement(reference, ev);
  REQUIRE(agree);
  Expected<std::vector<ErrorStats>> err = compare_outputs(reference, ev);
  REQUIRE(err);
  MESSAGE("LSTM: top-1 agreement " << *agree << ", SQNR " << (*err)[0].sqnr_db() << " dB vs the float twin");
  CHECK(*agree == 1.0);
}

TEST_CASE("quantize: a float SVDF gets int8 feature weights, 10-bit int16 time weights and an int16 state") {
  SKIP_WITHOUT_SHARED();
  const Graph q = original("keyword_scrambled_int8");
  Expected<Graph> f = float_twin(q);
  REQUIRE(f);
  const Dataset data = golden_floats("keyword_scrambled_int8", q, q.inputs[0], 0);
  Graph ours = quantized(*f, "quantize", data);
  int svdfs = 0;
  for (const Op& op : ours.ops) {
    if (op.kind != OpKind::Svdf) continue;
    ++svdfs;
    const Tensor& wf = ours.tensor(op.inputs[1]);
    const Tensor& wt = ours.tensor(op.inputs[2]);
    const Tensor& s = ours.tensor(op.inputs[4]);
    CHECK(wf.dtype == DType::Int8);
    CHECK(wf.quant->zero_point[0] == 0);
    CHECK(wt.dtype == DType::Int16);
    int maxq = 0;
    for (int16_t v : wt.values<int16_t>()) maxq = std::max(maxq, std::abs(int{v}));
    CHECK(maxq == 512);  // 10 bits: scale = max |w| / 512
    CHECK(s.dtype == DType::Int16);
    CHECK(s.is_variable);
    CHECK(s.quant->zero_point[0] == 0);
    CHECK(ours.tensor(op.inputs[3]).quant->scale[0] == doctest::Approx(wt.quant->scale[0] * s.quant->scale[0]));
    CHECK(ours.tensor(op.outputs[0]).dtype == DType::Int8);
  }
  CHECK(svdfs == 7);
  const Evaluation reference = run(*f, data);
  const Evaluation ev = run(ours, data);
  Expected<double> agree = top1_agreement(reference, ev);
  REQUIRE(agree);
  Expected<std::vector<ErrorStats>> err = compare_outputs(reference, ev);
  REQUIRE(err);
  MESSAGE("SVDF: top-1 agreement " << *agree << ", SQNR " << (*err)[0].sqnr_db() << " dB vs the float twin");
  CHECK(*agree >= 0.75);
}

TEST_CASE("quantize: a float LSTM with a missing state or inconsistent gate weights is a clear error") {
  test::RecurrentGraph b(5);
  const TensorId x = b.activation("x", {1, 3, 2});
  const std::optional<Graph> g = b.finish(x, b.lstm(x, 4));
  const Dataset data = Dataset::from_floats({3, 2}, std::vector<float>(12, 0.5f));
  auto quantize_error = [&](Graph bad) {
    PassContext ctx;
    ctx.calibration = &data;
    Expected<std::vector<PassRunRecord>> ok = test::run_pipeline_text(bad, "quantize", ctx);
    REQUIRE(!ok);
    CHECK(ok.error().code == Errc::BadInput);
    return ok.error().to_string();
  };
  Graph no_state = *g;
  no_state.ops[0].inputs[19] = kNoTensor;
  const std::string e1 = quantize_error(no_state);
  CHECK(e1.find("UNIDIRECTIONAL_SEQUENCE_LSTM") != std::string::npos);
  CHECK(e1.find("#19") != std::string::npos);  // the cell state operand
  Graph bad_gate = *g;
  Tensor& w = bad_gate.tensor(bad_gate.ops[0].inputs[3]);
  w.shape = {4, 1};
  w.set_values<float>(std::vector<float>(4, 0.1f));
  const std::string e2 = quantize_error(bad_gate);
  CHECK(e2.find(w.name) != std::string::npos);
  CHECK(e2.find("inconsistent") != std::string::npos);
}
