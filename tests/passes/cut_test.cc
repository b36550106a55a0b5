// tests/passes/cut_test.cc: `cut{outputs=[...]}` on the shared int8 models: cut at the input of the final SOFTMAX,
// the model computes exactly the tensor the whole model computed there (its bytes, through our runtime), survives
// a write/read round trip, and keeps only the ops that feed it. Bad names: errors naming the tensor and option.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "ir/rng.h"
#include "runtime/interpreter.h"
#include "tests/passes/run_pipeline_text.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

Expected<PassResult> run_cut(Graph& g, const std::string& outputs) {
  return test::run_last_pass(g, "cut{outputs=[" + outputs + "]}");
}

// A random int8 input for graph input 0.
std::vector<uint8_t> random_input(const Graph& g, uint64_t seed) {
  std::vector<uint8_t> bytes(static_cast<size_t>(num_elements(g.tensor(g.inputs[0]).shape)));
  Rng rng(seed);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.uniform(0.0f, 256.0f));
  return bytes;
}

// The bytes op `op_index` wrote to its first output while the whole model ran on `input`.
std::vector<uint8_t> intermediate(const Graph& g, int op_index, const std::vector<uint8_t>& input) {
  Expected<Interpreter> it = Interpreter::create(g);
  REQUIRE(it);
  std::vector<uint8_t> seen;
  it->set_observer([&](int i, const Op&, std::span<const TensorView> outs) {
    if (i == op_index) seen.assign(outs[0].bytes.begin(), outs[0].bytes.end());
  });
  REQUIRE(it->set_input(0, std::span<const uint8_t>(input)));
  REQUIRE(it->invoke());
  return seen;
}

std::vector<uint8_t> output0(const Graph& g, const std::vector<uint8_t>& input) {
  Expected<Interpreter> it = Interpreter::create(g);
  REQUIRE(it);
  REQUIRE(it->set_input(0, std::span<const uint8_t>(input)));
  REQUIRE(it->invoke());
  std::span<const uint8_t> out = it->output(0).bytes;
  return {out.begin(), out.end()};
}

TEST_CASE("cut: at the input of the final SOFTMAX, each shared int8 classifier computes its logits exactly") {
  SKIP_WITHOUT_SHARED();
  for (const char* file : {"kws_dscnn_int8.tflite", "ic_resnet8_int8.tflite", "vww_mobilenet_int8.tflite",
                           "person_detect_int8.tflite"}) {
    CAPTURE(file);
    Expected<Graph> whole = read_tflite_file(test::shared_model(file));
    REQUIRE(whole);
    const int last = static_cast<int>(whole->ops.size()) - 1;
    REQUIRE(whole->ops[static_cast<size_t>(last)].kind == OpKind::Softmax);
    const TensorId logits = whole->ops[static_cast<size_t>(last)].inputs[0];
    const int logits_op = *whole->producer(logits);
    const std::string name = whole->tensor(logits).name;

    Graph cut = *whole;
    Expected<PassResult> r = run_cut(cut, name);
    REQUIRE(r);
    CHECK(r->counters.at("ops_removed") == 1);
    CHECK(cut.ops.size() == whole->ops.size() - 1);
    REQUIRE(cut.outputs.size() == 1);
    CHECK(cut.tensor(cut.outputs[0]).name == name);
    REQUIRE(cut.validate());

    Expected<std::vector<uint8_t>> bytes = write_tflite(cut);
    REQUIRE(bytes);
    Expected<Graph> back = read_tflite(*bytes, "cut.tflite");
    REQUIRE(back);
    for (uint64_t seed : {1u, 2u, 3u}) {
      const std::vector<uint8_t> x = random_input(*whole, seed);
      CHECK(output0(*back, x) == intermediate(*whole, logits_op, x));
    }
  }
}

TEST_CASE("cut: two outputs keep their order and everything either needs; tensor indices name tensors") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> whole = read_tflite_file(test::shared_model("ic_resnet8_int8.tflite"));
  REQUIRE(whole);
  const TensorId early = whole->ops[2].outputs[0];
  const TensorId late = whole->ops[5].outputs[0];
  Graph g = *whole;
  REQUIRE(run_cut(g, "#" + std::to_string(late) + "," + whole->tensor(early).name));
  REQUIRE(g.outputs.size() == 2);
  CHECK(g.tensor(g.outputs[0]).name == whole->tensor(late).name);
  CHECK(g.tensor(g.outputs[1]).name == whole->tensor(early).name);
  CHECK(g.ops.size() <= 6);
  CHECK(g.validate());
}

TEST_CASE("cut: with inputs, one op alone computes what it computed inside the model") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> whole = read_tflite_file(test::shared_model("ic_resnet8_int8.tflite"));
  REQUIRE(whole);
  const std::vector<uint8_t> x = random_input(*whole, 5);
  int checked = 0;
  for (size_t i = 0; i < whole->ops.size(); ++i) {
    const Op& op = whole->ops[i];
    if (op.kind != OpKind::Add) continue;  // the residual ADDs: two activation inputs from different branches
    CAPTURE(i);
    const TensorId a = op.inputs[0], b = op.inputs[1];
    Graph one = *whole;
    REQUIRE(run_cut(one, whole->tensor(op.outputs[0]).name + "],inputs=[" + whole->tensor(a).name + "," +
                             whole->tensor(b).name));
    REQUIRE(one.ops.size() == 1);
    REQUIRE(one.inputs.size() == 2);
    Expected<Interpreter> it = Interpreter::create(one);
    REQUIRE(it);
    const std::vector<uint8_t> in_a = intermediate(*whole, *whole->producer(a), x);
    const std::vector<uint8_t> in_b = intermediate(*whole, *whole->producer(b), x);
    REQUIRE(it->set_input(0, std::span<const uint8_t>(in_a)));
    REQUIRE(it->set_input(1, std::span<const uint8_t>(in_b)));
    REQUIRE(it->invoke());
    std::span<const uint8_t> out = it->output(0).bytes;
    CHECK(std::vector<uint8_t>(out.begin(), out.end()) == intermediate(*whole, static_cast<int>(i), x));
    ++checked;
  }
  CHECK(checked == 3);

  // An op the outputs need reads a tensor that is neither computed nor an input: named.
  // Here: from the second block's main branch (op 5) alone, its shortcut (op 6) still needs the model's input.
  Graph g = *whole;
  Expected<PassResult> r = run_cut(g, whole->tensor(whole->outputs[0]).name + "],inputs=[" +
                                          whole->tensor(whole->ops[5].outputs[0]).name);
  REQUIRE_FALSE(r);
  CHECK(r.error().where.option == "cut.inputs");
  CHECK(r.error().message == "the outputs need this tensor: name it among the inputs too");
}

TEST_CASE("cut: bad outputs name the tensor and the option") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> whole = read_tflite_file(test::shared_model("kws_dscnn_int8.tflite"));
  REQUIRE(whole);
  Graph g = *whole;
  Expected<PassResult> r = run_cut(g, "no_such_tensor");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::BadInput);
  CHECK(r.error().where.tensor == "no_such_tensor");
  CHECK(r.error().where.option == "cut.outputs");

  r = run_cut(g, "#100000");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("not a tensor index") != std::string::npos);

  const std::string weights = whole->tensor(whole->ops[0].inputs[1]).name;
  r = run_cut(g, weights);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("constant") != std::string::npos);

  const std::string out = whole->tensor(whole->outputs[0]).name;
  r = run_cut(g, out + "," + out);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "named twice");

  r = run_cut(g, "");
  REQUIRE_FALSE(r);
  CHECK(r.error().where.option == "cut.outputs");
  CHECK(g.ops.size() == whole->ops.size());  // a failed cut leaves the graph alone
}

}  // namespace
}  // namespace tinyopt
