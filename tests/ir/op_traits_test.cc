// tests/ir/op_traits_test.cc: the per-kind table (weights, bias, channel axis, shared quantization, index inputs,
// fused activation, arity) and the channel rules, on the shared models (a residual network, a flatten into a
// FULLY_CONNECTED, a depthwise chain) and on small hand-built graphs for the shape-dependent cases.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <fmt/format.h>

#include "formats/tflite/reader.h"
#include "ir/channel_rules.h"
#include "ir/op_traits.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

Graph read_shared(const std::string& file) {
  auto g = read_tflite_file(test::shared_model(file));
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  return std::move(*g);
}

std::vector<OpKind> all_kinds() {
  std::vector<OpKind> k;
  for (int i = 0; i < kNumOpKinds; ++i) k.push_back(static_cast<OpKind>(i));
  return k;
}

Op make_op(OpKind k, OpOptions o = {}, std::vector<TensorId> inputs = {}, std::vector<TensorId> outputs = {}) {
  Op op;
  op.kind = k;
  op.options = std::move(o);
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  return op;
}

Tensor make_tensor(std::string name, Shape shape, DType dtype = DType::Float32) {
  Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  return t;
}

std::string rule_of(const Graph& g, int op, size_t slot) { return channel_rule_name(channel_effect(g, op, slot).rule); }

TEST_CASE("op traits: weights, bias and weight channel axis of the weighted ops (TFLite int8 spec axes)") {
  for (OpKind k : all_kinds()) {
    CAPTURE(std::string(op_kind_name(k)));
    const OpTraits& t = op_traits(k);
    const bool weighted = k == OpKind::Conv2D || k == OpKind::DepthwiseConv2D || k == OpKind::FullyConnected;
    CHECK(t.weights_input == (weighted ? 1 : kNoInput));
    CHECK(t.bias_input == (weighted ? 2 : kNoInput));
    CHECK((weight_channel_axis(k) >= 0) == weighted);
  }
  CHECK(weight_channel_axis(OpKind::Conv2D) == 0);           // [O, H, W, I]
  CHECK(weight_channel_axis(OpKind::DepthwiseConv2D) == 3);  // [1, H, W, C]
  CHECK(weight_channel_axis(OpKind::FullyConnected) == 0);   // [O, I]
}

TEST_CASE("op traits: the ops whose output keeps the input's quantization, and index inputs") {
  // The int8 spec's list (../shared/DESIGN.md): RESHAPE, the pools, PAD, CONCATENATION, TRANSPOSE, SQUEEZE,
  // STRIDED_SLICE. SOFTMAX/LOGISTIC/TANH have fixed output parameters instead; the rest choose their own.
  const std::set<OpKind> sharing = {OpKind::Reshape, OpKind::MaxPool2D, OpKind::AveragePool2D, OpKind::Pad,
                                    OpKind::Concatenation, OpKind::Transpose, OpKind::Squeeze, OpKind::StridedSlice};
  for (OpKind k : all_kinds()) {
    CAPTURE(std::string(op_kind_name(k)));
    CHECK(shares_input_quant(k) == (sharing.count(k) == 1));
  }
  CHECK(is_index_input(OpKind::Reshape, 1));
  CHECK(is_index_input(OpKind::StridedSlice, 3));
  CHECK(is_index_input(OpKind::Mean, 1));
  CHECK_FALSE(is_index_input(OpKind::Pad, 0));
  CHECK_FALSE(is_index_input(OpKind::Conv2D, 1));  // weights are quantized, not index data
  CHECK_FALSE(is_index_input(OpKind::Concatenation, 1));
}

TEST_CASE("op traits: the fused activation is read and written through one accessor") {
  Op conv = make_op(OpKind::Conv2D, Conv2DOptions{.activation = Activation::Relu6});
  REQUIRE(fused_activation(conv));
  CHECK(*fused_activation(conv) == Activation::Relu6);
  *fused_activation(conv) = Activation::None;
  CHECK(conv.opts<Conv2DOptions>().activation == Activation::None);

  const Op add = make_op(OpKind::Add, ElementwiseOptions{.activation = Activation::Relu});
  REQUIRE(fused_activation(add));
  CHECK(*fused_activation(add) == Activation::Relu);
  CHECK(fused_activation(make_op(OpKind::Relu)) == nullptr);
  CHECK(fused_activation(make_op(OpKind::Conv2D)) == nullptr);  // options not set (monostate)
  CHECK(fused_activation(make_op(OpKind::Concatenation, ConcatenationOptions{})) != nullptr);
  CHECK(fused_activation(make_op(OpKind::MaxPool2D, Pool2DOptions{})) != nullptr);
  CHECK(fused_activation(make_op(OpKind::Reshape, ReshapeOptions{})) == nullptr);
}

TEST_CASE("op traits: arity errors name the op") {
  Graph g;
  g.inputs = {g.add_tensor(make_tensor("x", {1, 4}))};
  TensorId y = g.add_tensor(make_tensor("y", {1, 4}));
  g.add_op(make_op(OpKind::Add, ElementwiseOptions{}, {0}, {y}));
  auto r = check_op_arity(g, 0);
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string() == "op #0 ADD: has 1 inputs, expected 2");
  g.ops[0].inputs = {0, kNoTensor};
  CHECK(check_op_arity(g, 0).error().message == "required input #1 is missing");
  g.ops[0].inputs = {0, 0};
  CHECK(check_op_arity(g, 0));
  g.ops[0] = make_op(OpKind::Concatenation, ConcatenationOptions{}, {}, {y});
  CHECK(check_op_arity(g, 0).error().message == "has 0 inputs, expected at least 1");
  g.ops[0] = make_op(OpKind::FullyConnected, FullyConnectedOptions{}, {0}, {y});
  CHECK(check_op_arity(g, 0).error().message == "has 1 inputs, expected 2 to 3");
  CHECK(check_op_arity(g, 3).error().code == Errc::Internal);
}

TEST_CASE("channel rules: ic_resnet8_float's residual ADDs couple their operands") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("ic_resnet8_float.tflite");
  int adds = 0;
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
    const Op& op = g.ops[static_cast<size_t>(i)];
    CAPTURE(i);
    switch (op.kind) {
      case OpKind::Add:
        ++adds;
        CHECK(rule_of(g, i, 0) == "coupled");
        CHECK(rule_of(g, i, 1) == "coupled");
        break;
      case OpKind::Conv2D:
        CHECK(rule_of(g, i, 0) == "consumes");
        CHECK(rule_of(g, i, 1) == "blocks");  // weights are not a channel-carrying activation
        CHECK(rule_of(g, i, 2) == "blocks");
        break;
      case OpKind::AveragePool2D: CHECK(rule_of(g, i, 0) == "elementwise"); break;
      case OpKind::Reshape: CHECK(rule_of(g, i, 0) == "elementwise"); break;  // [1,1,1,64] -> [1,64]
      case OpKind::FullyConnected: CHECK(rule_of(g, i, 0) == "consumes"); break;
      case OpKind::Softmax: CHECK(rule_of(g, i, 0) == "blocks"); break;
      default: FAIL("unexpected op");
    }
  }
  CHECK(adds == 3);
  CHECK(channels_fixed(g, g.outputs[0]));
  CHECK(channels_fixed(g, g.inputs[0]));
  CHECK_FALSE(channels_fixed(g, g.ops[0].outputs[0]));
}

TEST_CASE("channel rules: fmnist_cnn_float flattens [1,7,7,32] into its first FULLY_CONNECTED") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("fmnist_cnn_float.tflite");
  REQUIRE(g.ops.size() == 8);
  REQUIRE(g.ops[4].kind == OpKind::Reshape);
  const ChannelEffect e = channel_effect(g, 4, 0);
  CHECK(channel_rule_name(e.rule) == std::string("flatten-into-fully-connected"));
  // Row-major [1,7,7,32] -> [1,1568]: channel c lands at columns p*32 + c for the 7*7 = 49 positions p.
  CHECK(e.columns_per_channel == 49);
  CHECK(rule_of(g, 1, 0) == "elementwise");  // MAX_POOL_2D
  CHECK(rule_of(g, 5, 0) == "consumes");     // FULLY_CONNECTED on [1,1568]: its input columns
  CHECK(rule_of(g, 6, 0) == "consumes");
  CHECK(rule_of(g, 7, 0) == "blocks");       // SOFTMAX
}

TEST_CASE("channel rules: kws_dscnn_float's depthwise chain keeps channels, multiplier 1") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("kws_dscnn_float.tflite");
  int depthwise = 0;
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
    if (g.ops[static_cast<size_t>(i)].kind != OpKind::DepthwiseConv2D) continue;
    ++depthwise;
    const ChannelEffect e = channel_effect(g, i, 0);
    CHECK(e.rule == ChannelRule::Depthwise);
    CHECK(e.multiplier == 1);
    // Its producer is a CONV_2D: removing that conv's output channels takes the depthwise channels with it.
    CHECK(g.ops[static_cast<size_t>(*g.producer(g.ops[static_cast<size_t>(i)].inputs[0]))].kind == OpKind::Conv2D);
  }
  CHECK(depthwise == 4);
  CHECK(rule_of(g, 10, 0) == "elementwise");  // RESHAPE [1,1,1,64] -> [1,64] keeps the last axis
  CHECK(rule_of(g, 11, 0) == "consumes");
}

// A graph with one float activation input per shape, for the shape-dependent rules.
struct Builder {
  Graph g;
  TensorId act(Shape s) {
    TensorId id = g.add_tensor(make_tensor(fmt::format("a{}", g.tensors.size()), std::move(s)));
    g.inputs.push_back(id);
    return id;
  }
  TensorId ints(std::vector<int32_t> v, Shape s) {
    Tensor t = make_tensor(fmt::format("c{}", g.tensors.size()), std::move(s), DType::Int32);
    t.set_values<int32_t>(v);
    return g.add_tensor(std::move(t));
  }
  TensorId floats(Shape s) {
    Tensor t = make_tensor(fmt::format("w{}", g.tensors.size()), std::move(s));
    t.set_values<float>(std::vector<float>(static_cast<size_t>(num_elements(t.shape)), 0.0f));
    return g.add_tensor(std::move(t));
  }
  int op(OpKind k, OpOptions o, std::vector<TensorId> ins, Shape out) {
    TensorId y = g.add_tensor(make_tensor(fmt::format("y{}", g.tensors.size()), std::move(out)));
    return g.add_op(make_op(k, std::move(o), std::move(ins), {y}));
  }
};

TEST_CASE("channel rules: concatenation offsets, and other axes couple the inputs") {
  Builder b;
  TensorId x = b.act({1, 4, 4, 3}), y = b.act({1, 4, 4, 5}), z = b.act({1, 4, 4, 2});
  int cat = b.op(OpKind::Concatenation, ConcatenationOptions{.axis = -1}, {x, y, z}, {1, 4, 4, 10});
  CHECK(channel_effect(b.g, cat, 0).offset == 0);
  CHECK(channel_effect(b.g, cat, 1).offset == 3);
  CHECK(channel_effect(b.g, cat, 2).offset == 8);
  CHECK(channel_effect(b.g, cat, 2).rule == ChannelRule::Concatenation);
  TensorId u = b.act({1, 2, 4, 3});
  int rows = b.op(OpKind::Concatenation, ConcatenationOptions{.axis = 1}, {x, u}, {1, 6, 4, 3});
  CHECK(channel_effect(b.g, rows, 1).rule == ChannelRule::Coupled);
}

TEST_CASE("channel rules: elementwise ops on equal shapes couple, broadcasts do not") {
  Builder b;
  TensorId x = b.act({1, 4, 4, 8}), y = b.act({1, 4, 4, 8}), s = b.act({1, 1, 1, 1}), v = b.act({8});
  CHECK(channel_effect(b.g, b.op(OpKind::Sub, ElementwiseOptions{}, {x, y}, {1, 4, 4, 8}), 1).rule == ChannelRule::Coupled);
  CHECK(channel_effect(b.g, b.op(OpKind::Mul, ElementwiseOptions{}, {x, s}, {1, 4, 4, 8}), 0).rule == ChannelRule::Elementwise);
  CHECK(channel_effect(b.g, b.op(OpKind::Add, ElementwiseOptions{}, {x, v}, {1, 4, 4, 8}), 0).rule == ChannelRule::Blocks);
  // The scalar side is broadcast over the channels: its own "channels" cannot go.
  CHECK(channel_effect(b.g, b.op(OpKind::Mul, ElementwiseOptions{}, {x, s}, {1, 4, 4, 8}), 1).rule == ChannelRule::Blocks);
}

TEST_CASE("channel rules: RESHAPE, MEAN, PAD, SQUEEZE, TRANSPOSE and FULLY_CONNECTED by shape") {
  Builder b;
  TensorId x = b.act({1, 2, 3, 4});
  // A flatten whose reader is not a FULLY_CONNECTED is a plain channel mix.
  CHECK(channel_effect(b.g, b.op(OpKind::Reshape, ReshapeOptions{.new_shape = {1, 24}}, {x}, {1, 24}), 0).rule ==
        ChannelRule::Blocks);
  CHECK(channel_effect(b.g, b.op(OpKind::Reshape, ReshapeOptions{.new_shape = {1, 6, 4}}, {x}, {1, 6, 4}), 0).rule ==
        ChannelRule::Elementwise);
  CHECK(channel_effect(b.g, b.op(OpKind::Reshape, ReshapeOptions{.new_shape = {1, 2, 12}}, {x}, {1, 2, 12}), 0).rule ==
        ChannelRule::Blocks);
  CHECK(channel_effect(b.g, b.op(OpKind::Mean, ReducerOptions{}, {x, b.ints({1, 2}, {2})}, {1, 4}), 0).rule ==
        ChannelRule::Elementwise);
  CHECK(channel_effect(b.g, b.op(OpKind::Mean, ReducerOptions{}, {x, b.ints({-1}, {1})}, {1, 2, 3}), 0).rule ==
        ChannelRule::Blocks);
  CHECK(channel_effect(b.g, b.op(OpKind::Pad, {}, {x, b.ints({0, 0, 1, 1, 1, 1, 0, 0}, {4, 2})}, {1, 4, 5, 4}), 0).rule ==
        ChannelRule::Elementwise);
  CHECK(channel_effect(b.g, b.op(OpKind::Pad, {}, {x, b.ints({0, 0, 0, 0, 0, 0, 0, 1}, {4, 2})}, {1, 2, 3, 5}), 0).rule ==
        ChannelRule::Blocks);
  CHECK(channel_effect(b.g, b.op(OpKind::Transpose, {}, {x, b.ints({0, 2, 1, 3}, {4})}, {1, 3, 2, 4}), 0).rule ==
        ChannelRule::Blocks);
  TensorId one = b.act({1, 1, 1, 4});
  CHECK(channel_effect(b.g, b.op(OpKind::Squeeze, SqueezeOptions{}, {one}, {4}), 0).rule == ChannelRule::Elementwise);
  // FULLY_CONNECTED reading [1,2,3,4] whole (depth 24): channel c is spread over 2*3 = 6 columns.
  int fc = b.op(OpKind::FullyConnected, FullyConnectedOptions{}, {x, b.floats({5, 24})}, {1, 5});
  const ChannelEffect e = channel_effect(b.g, fc, 0);
  CHECK(e.rule == ChannelRule::FlattenIntoFullyConnected);
  CHECK(e.columns_per_channel == 6);
  // A flattening RESHAPE read only by FULLY_CONNECTED ops.
  TensorId flat_in = b.act({1, 2, 2, 3});
  int flat = b.op(OpKind::Reshape, ReshapeOptions{.new_shape = {1, 12}}, {flat_in}, {1, 12});
  b.op(OpKind::FullyConnected, FullyConnectedOptions{}, {b.g.ops[static_cast<size_t>(flat)].outputs[0], b.floats({2, 12})}, {1, 2});
  CHECK(channel_effect(b.g, flat, 0).rule == ChannelRule::FlattenIntoFullyConnected);
  CHECK(channel_effect(b.g, flat, 0).columns_per_channel == 4);
  // Out-of-range arguments are not an error, just nothing removable.
  CHECK(channel_effect(b.g, 99, 0).rule == ChannelRule::Blocks);
  CHECK(channel_effect(b.g, fc, 7).rule == ChannelRule::Blocks);
}

}  // namespace
}  // namespace tinyopt
