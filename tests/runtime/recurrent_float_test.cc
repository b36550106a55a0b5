// tests/runtime/recurrent_float_test.cc: the float SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM kernels on tiny graphs
// whose outputs are known in closed form, over two invocations (the state carries over, reset_state clears it).
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "runtime/interpreter.h"

namespace tinyopt {
namespace {

TensorId add(Graph& g, const char* name, Shape shape, std::vector<float> values = {}, bool variable = false) {
  Tensor t;
  t.name = name, t.dtype = DType::Float32, t.shape = std::move(shape), t.is_variable = variable;
  if (!values.empty()) t.set_values<float>(values);
  return g.add_tensor(std::move(t));
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST_CASE("float LSTM: zero weights, gate biases only: c and h follow the closed form over two invocations") {
  Graph g;
  const float bi = 0.5f, bf = -0.3f, bg = 0.8f, bo = 1.2f;
  const TensorId x = add(g, "x", {1, 1, 2});
  std::vector<TensorId> in(24, kNoTensor);
  in[0] = x;
  for (int i = 1; i <= 4; ++i) in[static_cast<size_t>(i)] = add(g, "w", {1, 2}, {0.0f, 0.0f});
  for (int i = 5; i <= 8; ++i) in[static_cast<size_t>(i)] = add(g, "r", {1, 1}, {0.0f});
  in[12] = add(g, "bi", {1}, {bi}), in[13] = add(g, "bf", {1}, {bf}), in[14] = add(g, "bg", {1}, {bg});
  in[15] = add(g, "bo", {1}, {bo});
  in[18] = add(g, "h", {1, 1}, {}, true), in[19] = add(g, "c", {1, 1}, {}, true);
  const TensorId y = add(g, "y", {1, 1, 1});
  Op op;
  op.kind = OpKind::SequenceLstm;
  op.options = SequenceLstmOptions{.activation = Activation::Tanh};
  op.inputs = in;
  op.outputs = {y};
  g.add_op(op);
  g.inputs = {x}, g.outputs = {y};
  auto interp = Interpreter::create(g);
  REQUIRE_MESSAGE(interp.has_value(), (interp ? "" : interp.error().to_string()));
  const float c1 = sigmoid(bi) * std::tanh(bg), h1 = sigmoid(bo) * std::tanh(c1);
  const float c2 = sigmoid(bf) * c1 + sigmoid(bi) * std::tanh(bg), h2 = sigmoid(bo) * std::tanh(c2);
  const std::vector<float> zero = {0.0f, 0.0f};
  REQUIRE(interp->set_input<float>(0, zero).has_value());
  REQUIRE(interp->invoke().has_value());
  CHECK(interp->output(0).as<float>()[0] == doctest::Approx(h1).epsilon(1e-6));
  REQUIRE(interp->set_input<float>(0, zero).has_value());
  REQUIRE(interp->invoke().has_value());
  CHECK(interp->output(0).as<float>()[0] == doctest::Approx(h2).epsilon(1e-6));
  interp->reset_state();
  REQUIRE(interp->set_input<float>(0, zero).has_value());
  REQUIRE(interp->invoke().has_value());
  CHECK(interp->output(0).as<float>()[0] == doctest::Approx(h1).epsilon(1e-6));
}

TEST_CASE("float SVDF: memory 2, rank 1: the output is w_time . [previous, current] feature values + bias") {
  Graph g;
  const TensorId x = add(g, "x", {1, 2});
  const TensorId wf = add(g, "wf", {1, 2}, {1.0f, 2.0f});      // feature = x0 + 2 x1
  const TensorId wt = add(g, "wt", {1, 2}, {0.5f, -1.0f});     // 0.5 * previous - 1 * current
  const TensorId b = add(g, "b", {1}, {0.25f});
  const TensorId s = add(g, "state", {1, 2}, {}, true);
  const TensorId y = add(g, "y", {1, 1});
  Op op;
  op.kind = OpKind::Svdf;
  op.options = SvdfOptions{.rank = 1};
  op.inputs = {x, wf, wt, b, s};
  op.outputs = {y};
  g.add_op(op);
  g.inputs = {x}, g.outputs = {y};
  auto interp = Interpreter::create(g);
  REQUIRE_MESSAGE(interp.has_value(), (interp ? "" : interp.error().to_string()));
  const std::vector<float> a = {1.0f, 1.0f}, c = {2.0f, -1.0f};  // features 3 and 0
  REQUIRE(interp->set_input<float>(0, a).has_value());
  REQUIRE(interp->invoke().has_value());
  CHECK(interp->output(0).as<float>()[0] == doctest::Approx(0.5f * 0.0f - 3.0f + 0.25f));
  REQUIRE(interp->set_input<float>(0, c).has_value());
  REQUIRE(interp->invoke().has_value());
  CHECK(interp->output(0).as<float>()[0] == doctest::Approx(0.5f * 3.0f - 0.0f + 0.25f));
}

}  // namespace
}  // namespace tinyopt
