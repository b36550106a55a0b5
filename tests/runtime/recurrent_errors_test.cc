// tests/runtime/recurrent_errors_test.cc: malformed UNIDIRECTIONAL_SEQUENCE_LSTM / SVDF models get a clear error
// naming the op and the tensor (Errc::BadInput, which the CLI maps to exit code 2), never a crash. Each case
// breaks one thing in the shared micro_speech LSTM (or keyword SVDF) model, round-trips it through the TFLite
// writer and reader, and prepares it. Also: the shared models survive a write/read round trip unchanged (options,
// intermediates, variable flags).
#include <string>

#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "runtime/interpreter.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

Graph shared_recurrent(const std::string& stem) {
  auto g = read_tflite_file(test::shared_model("recurrent") / (stem + ".tflite"));
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  return std::move(*g);
}

// Written and read back, then prepared: the error it gives.
Error prepare_error(const Graph& broken) {
  auto bytes = write_tflite(broken);
  REQUIRE_MESSAGE(bytes.has_value(), (bytes ? "" : bytes.error().to_string()));
  auto g = read_tflite(*bytes, "broken.tflite");
  if (!g) return g.take_error();
  auto interp = Interpreter::create(*g);
  REQUIRE_FALSE(interp.has_value());
  return interp.take_error();
}

TEST_CASE("recurrent models round-trip through the TFLite writer: options, intermediates and variables kept") {
  SKIP_WITHOUT_SHARED();
  for (const char* stem : {"micro_speech_lstm_int8", "keyword_scrambled_int8", "seanet_transpose_conv0_int16"}) {
    INFO(stem);
    const Graph g = shared_recurrent(stem);
    auto bytes = write_tflite(g);
    REQUIRE(bytes.has_value());
    auto back = read_tflite(*bytes, "back.tflite");
    REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().to_string()));
    REQUIRE(back->ops.size() == g.ops.size());
    for (size_t i = 0; i < g.ops.size(); ++i) {
      CHECK(back->ops[i].kind == g.ops[i].kind);
      CHECK(back->ops[i].options == g.ops[i].options);
      CHECK(back->ops[i].inputs == g.ops[i].inputs);
      CHECK(back->ops[i].intermediates == g.ops[i].intermediates);
    }
    for (size_t t = 0; t < g.tensors.size(); ++t) CHECK(back->tensors[t].is_variable == g.tensors[t].is_variable);
  }
  const Graph lstm = shared_recurrent("micro_speech_lstm_int8");
  const auto& o = lstm.ops[0].opts<SequenceLstmOptions>();
  CHECK(o.activation == Activation::Tanh);
  CHECK(o.cell_clip == 10.0f);
  CHECK(lstm.ops[0].intermediates.size() == 5);
  const Graph seanet = shared_recurrent("seanet_transpose_conv0_int16");
  const auto& t = seanet.ops[0].opts<TransposeConvOptions>();
  CHECK(t.padding == Padding::Valid);
  CHECK(t.stride_w == 2);
  CHECK(shared_recurrent("keyword_scrambled_int8").ops[1].opts<SvdfOptions>().rank == 1);
}

TEST_CASE("UNIDIRECTIONAL_SEQUENCE_LSTM: wrong input count, inconsistent gate weights, missing state: clear errors") {
  SKIP_WITHOUT_SHARED();
  const Graph base = shared_recurrent("micro_speech_lstm_int8");
  {
    Graph g = base;  // 19 operands: below TFLite's 20
    g.ops[0].inputs.resize(19);
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find("UNIDIRECTIONAL_SEQUENCE_LSTM") != std::string::npos);
    CHECK(e.to_string().find("has 19 inputs") != std::string::npos);
  }
  {
    Graph g = base;  // 23 operands: TFLite Micro's kernel needs all 24
    g.ops[0].inputs.resize(23);
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find("has 23 inputs") != std::string::npos);
  }
  {
    Graph g = base;  // recurrent_to_cell_weights [80, 79] instead of [80, 80]
    Tensor w = g.tensor(g.ops[0].inputs[7]);
    w.name = "bad_recurrent_to_cell";
    w.shape = {80, 79};
    w.data.resize(80 * 79);
    g.ops[0].inputs[7] = g.add_tensor(w);
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find("bad_recurrent_to_cell") != std::string::npos);
    CHECK(e.to_string().find("inconsistent shapes") != std::string::npos);
  }
  {
    Graph g = base;  // no cell state
    g.ops[0].inputs[19] = kNoTensor;
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find("cell state") != std::string::npos);
  }
  {
    Graph g = base;  // a cell state that is not a variable tensor: nothing ever writes it
    g.tensor(g.ops[0].inputs[19]).is_variable = false;
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find(g.tensor(g.ops[0].inputs[19]).name) != std::string::npos);
  }
}

TEST_CASE("SVDF: a missing or non-variable activation state is a clear error") {
  SKIP_WITHOUT_SHARED();
  const Graph base = shared_recurrent("keyword_scrambled_int8");
  {
    Graph g = base;
    g.ops[1].inputs[4] = kNoTensor;
    const Error e = prepare_error(g);
    CHECK(e.code == Errc::BadInput);
    CHECK(e.to_string().find("SVDF") != std::string::npos);
    CHECK(e.to_string().find("activation state") != std::string::npos);
  }
}

}  // namespace
}  // namespace tinyopt
