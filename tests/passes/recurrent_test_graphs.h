// tests/passes/recurrent_test_graphs.h: small float graphs with an UNIDIRECTIONAL_SEQUENCE_LSTM or an SVDF (seeded
// weights, zero-state variables) for the pass tests: optionally followed by RESHAPE, FULLY_CONNECTED and SOFTMAX.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ir/graph.h"
#include "ir/rng.h"

namespace tinyopt::test {

struct RecurrentGraph {
  Graph g;
  Rng rng;
  explicit RecurrentGraph(uint64_t seed) : rng(seed) {}

  TensorId floats(const std::string& name, Shape shape, float scale) {
    Tensor t;
    t.name = name, t.shape = std::move(shape);
    std::vector<float> v(static_cast<size_t>(num_elements(t.shape)));
    for (float& e : v) e = rng.uniform(-scale, scale);
    t.set_values<float>(v);
    return g.add_tensor(std::move(t));
  }
  TensorId activation(const std::string& name, Shape shape, bool variable = false) {
    Tensor t;
    t.name = name, t.shape = std::move(shape), t.is_variable = variable;
    return g.add_tensor(std::move(t));
  }
  TensorId op(OpKind kind, OpOptions options, std::vector<TensorId> inputs, const std::string& out, Shape shape) {
    const TensorId y = activation(out, std::move(shape));
    Op o;
    o.kind = kind, o.options = std::move(options), o.inputs = std::move(inputs), o.outputs = {y};
    g.add_op(std::move(o));
    return y;
  }
  // x [1, time, features] -> [1, time, cells].
  TensorId lstm(TensorId x, int cells, float clip = 0.f) {
    const Shape in = g.tensor(x).shape;
    std::vector<TensorId> ins(24, kNoTensor);
    ins[0] = x;
    for (int k = 1; k <= 4; ++k) ins[static_cast<size_t>(k)] = floats("lstm/w" + std::to_string(k), {cells, in[2]}, 0.6f);
    for (int k = 5; k <= 8; ++k) ins[static_cast<size_t>(k)] = floats("lstm/r" + std::to_string(k), {cells, cells}, 0.6f);
    for (int k = 12; k <= 15; ++k) ins[static_cast<size_t>(k)] = floats("lstm/b" + std::to_string(k), {cells}, 0.3f);
    ins[18] = activation("lstm/output_state", {1, cells}, true);
    ins[19] = activation("lstm/cell_state", {1, cells}, true);
    return op(OpKind::SequenceLstm, SequenceLstmOptions{.activation = Activation::Tanh, .cell_clip = clip}, ins, "lstm",
              {in[0], in[1], cells});
  }
  // x [1, features] -> [1, units].
  TensorId svdf(TensorId x, int units, int rank, int memory, Activation act) {
    const int in = g.tensor(x).shape[1], filters = units * rank;
    return op(OpKind::Svdf, SvdfOptions{.rank = rank, .activation = act},
              {x, floats("svdf/wf", {filters, in}, 0.6f), floats("svdf/wt", {filters, memory}, 0.6f),
               floats("svdf/bias", {units}, 0.2f), activation("svdf/state", {1, filters * memory}, true)},
              "svdf", {1, units});
  }
  // x -> RESHAPE [1, n] -> FULLY_CONNECTED (classes) -> SOFTMAX.
  TensorId classifier_head(TensorId x, int classes) {
    const auto n = static_cast<int32_t>(num_elements(g.tensor(x).shape));
    const TensorId flat = op(OpKind::Reshape, ReshapeOptions{.new_shape = {1, n}}, {x}, "flat", {1, n});
    const TensorId logits = op(OpKind::FullyConnected, FullyConnectedOptions{},
                               {flat, floats("fc/w", {classes, n}, 0.5f), floats("fc/b", {classes}, 0.1f)}, "logits",
                               {1, classes});
    return op(OpKind::Softmax, SoftmaxOptions{}, {logits}, "probabilities", {1, classes});
  }
  Graph finish(TensorId x, TensorId y) {
    g.inputs = {x}, g.outputs = {y};
    auto ok = g.validate();
    REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
    return g;
  }
};

}  // namespace tinyopt::test
