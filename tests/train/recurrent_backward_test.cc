// tests/train/recurrent_backward_test.cc: the SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM backward kernels against finite
// differences (tests/train/gradient_check.h: batch 2, input and every parameter) on small seeded graphs.
#include <doctest/doctest.h>

#include "ir/rng.h"
#include "tests/train/gradient_check.h"

namespace tinyopt {
namespace {

struct Builder {
  Graph g;
  Rng rng{13};
  TensorId floats(const char* name, Shape shape, float scale) {
    Tensor t;
    t.name = name, t.shape = std::move(shape);
    std::vector<float> v(static_cast<size_t>(num_elements(t.shape)));
    for (float& e : v) e = rng.uniform(-scale, scale);
    t.set_values<float>(v);
    return g.add_tensor(std::move(t));
  }
  TensorId activation(const char* name, Shape shape, bool variable = false) {
    Tensor t;
    t.name = name, t.shape = std::move(shape), t.is_variable = variable;
    return g.add_tensor(std::move(t));
  }
  Graph finish(TensorId x, TensorId y) {
    g.inputs = {x}, g.outputs = {y};
    auto ok = g.validate();
    REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
    return std::move(g);
  }
};

// x [1, time, in] -> LSTM (cells) -> [1, time, cells].
Graph lstm_graph(int time, int in, int cells, float clip) {
  Builder b;
  const TensorId x = b.activation("x", {1, time, in});
  std::vector<TensorId> ins(24, kNoTensor);
  ins[0] = x;
  for (int k = 1; k <= 4; ++k) ins[static_cast<size_t>(k)] = b.floats("w", {cells, in}, 0.8f);
  for (int k = 5; k <= 8; ++k) ins[static_cast<size_t>(k)] = b.floats("r", {cells, cells}, 0.8f);
  for (int k = 12; k <= 15; ++k) ins[static_cast<size_t>(k)] = b.floats("b", {cells}, 0.5f);
  ins[18] = b.activation("h", {1, cells}, true);
  ins[19] = b.activation("c", {1, cells}, true);
  const TensorId y = b.activation("y", {1, time, cells});
  Op op;
  op.kind = OpKind::SequenceLstm;
  op.options = SequenceLstmOptions{.activation = Activation::Tanh, .cell_clip = clip};
  op.inputs = ins;
  op.outputs = {y};
  b.g.add_op(op);
  return b.finish(x, y);
}

// x [1, in] -> SVDF (filters = units x rank, memory) -> [1, units].
Graph svdf_graph(int in, int units, int rank, int memory, Activation act) {
  Builder b;
  const TensorId x = b.activation("x", {1, in});
  const int filters = units * rank;
  const TensorId wf = b.floats("wf", {filters, in}, 0.8f);
  const TensorId wt = b.floats("wt", {filters, memory}, 0.8f);
  const TensorId bias = b.floats("bias", {units}, 0.3f);
  const TensorId s = b.activation("state", {1, filters * memory}, true);
  const TensorId y = b.activation("y", {1, units});
  Op op;
  op.kind = OpKind::Svdf;
  op.options = SvdfOptions{.rank = rank, .activation = act};
  op.inputs = {x, wf, wt, bias, s};
  op.outputs = {y};
  b.g.add_op(op);
  return b.finish(x, y);
}

TEST_CASE("backward UNIDIRECTIONAL_SEQUENCE_LSTM: BPTT over 4 steps, with and without cell clip") {
  for (float clip : {0.0f, 0.6f}) {
    CAPTURE(clip);
    test::check_gradients(lstm_graph(4, 3, 3, clip), {.input_scale = 1.5f});
  }
}

TEST_CASE("backward SVDF: rank 1 and 2, fused RELU") {
  test::check_gradients(svdf_graph(4, 3, 1, 3, Activation::None));
  test::check_gradients(svdf_graph(3, 2, 2, 4, Activation::Relu));
}

}  // namespace
}  // namespace tinyopt
