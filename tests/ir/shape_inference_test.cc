// tests/ir/shape_inference_test.cc: output shapes and dtype rules of every op kind, on tiny hand-built graphs
// whose expected shapes are worked out in the comments (TFLite's formulas).
#include <doctest/doctest.h>

#include <string>

#include "ir/shape_inference.h"
#include "ir/validate.h"
#include "train/batching.h"

namespace tinyopt {
namespace {

Tensor make_tensor(std::string name, DType t, Shape s) {
  Tensor x;
  x.name = std::move(name);
  x.dtype = t;
  x.shape = std::move(s);
  return x;
}

// Builds a one-op graph: activation inputs, constant inputs, one output whose stored shape is given.
struct OneOp {
  Graph g;
  TensorId act(Shape s, DType t = DType::Float32) {
    TensorId id = g.add_tensor(make_tensor(fmt::format("x{}", g.tensors.size()), t, std::move(s)));
    g.inputs.push_back(id);
    return id;
  }
  TensorId weights(Shape s, DType t = DType::Float32) {
    Tensor w = make_tensor(fmt::format("w{}", g.tensors.size()), t, std::move(s));
    w.data.assign(static_cast<size_t>(num_elements(w.shape)) * dtype_size(t), 0);
    w.is_constant = true;
    return g.add_tensor(std::move(w));
  }
  TensorId ints(std::vector<int32_t> v, Shape s = {}) {
    if (s.empty()) s = {static_cast<int32_t>(v.size())};
    Tensor t = make_tensor(fmt::format("c{}", g.tensors.size()), DType::Int32, s);
    t.set_values<int32_t>(v);
    return g.add_tensor(std::move(t));
  }
  Expected<std::vector<Shape>> infer(OpKind k, OpOptions o, std::vector<TensorId> ins, Shape stored = {},
                                     DType out_type = DType::Float32) {
    TensorId out = g.add_tensor(make_tensor("y", out_type, std::move(stored)));
    g.add_op({.kind = k, .options = o, .inputs = std::move(ins), .outputs = {out}});
    g.outputs = {out};
    return infer_output_shapes(g, 0);
  }
};

Shape infer_ok(OneOp& m, OpKind k, OpOptions o, std::vector<TensorId> ins, Shape stored = {}) {
  auto r = m.infer(k, o, std::move(ins), std::move(stored));
  if (!r) FAIL(r.error().to_string());
  return r ? (*r)[0] : Shape{};
}

TEST_CASE("window geometry follows TFLite's formulas") {
  // SAME: ceil(in / stride). in=28, stride 2 -> 14; in=5, stride 2 -> 3.
  CHECK(window_output_size(Padding::Same, 28, 3, 2, 1) == 14);
  CHECK(window_output_size(Padding::Same, 5, 3, 2, 1) == 3);
  // VALID: ceil((in - eff + 1) / stride); eff = (3-1)*2+1 = 5 with dilation 2: (10-5+1)/1 = 6.
  CHECK(window_output_size(Padding::Valid, 10, 3, 1, 2) == 6);
  CHECK(window_output_size(Padding::Valid, 2, 3, 1, 1) == 0);
  // SAME in=5, k=3, s=2: out=3, total = (3-1)*2+3-5 = 2 -> 1 before. in=4, k=3, s=2: out 2, total 1 -> 0 before.
  CHECK(window_padding_before(Padding::Same, 5, 3, 2, 1) == 1);
  CHECK(window_padding_before(Padding::Same, 4, 3, 2, 1) == 0);
  CHECK(window_padding_before(Padding::Valid, 5, 3, 2, 1) == 0);
}

TEST_CASE("CONV_2D: SAME/VALID, strides, dilation") {
  OneOp m;
  TensorId x = m.act({1, 28, 28, 3});
  TensorId w = m.weights({8, 3, 3, 3});
  TensorId b = m.weights({8});
  CHECK(infer_ok(m, OpKind::Conv2D, Conv2DOptions{.padding = Padding::Same, .stride_w = 2, .stride_h = 2}, {x, w, b}) ==
        Shape{1, 14, 14, 8});
  OneOp v;
  x = v.act({2, 10, 12, 3});
  w = v.weights({4, 3, 3, 3});
  // VALID, dilation 2: eff 5 -> H (10-5+1)=6, W (12-5+1)=8.
  CHECK(infer_ok(v, OpKind::Conv2D, Conv2DOptions{.padding = Padding::Valid, .dilation_w = 2, .dilation_h = 2},
                 {x, w, kNoTensor}) == Shape{2, 6, 8, 4});
}

TEST_CASE("CONV_2D: channel mismatch names the filter tensor") {
  OneOp m;
  TensorId x = m.act({1, 8, 8, 3});
  TensorId w = m.weights({8, 3, 3, 4});
  auto r = m.infer(OpKind::Conv2D, Conv2DOptions{}, {x, w});
  REQUIRE(!r);
  CHECK(r.error().to_string().find("op #0 CONV_2D, tensor 'w1'") != std::string::npos);
  CHECK(r.error().message.find("input channels") != std::string::npos);
}

TEST_CASE("DEPTHWISE_CONV_2D: depth multiplier from the filter") {
  OneOp m;
  TensorId x = m.act({1, 9, 9, 4});
  TensorId w = m.weights({1, 3, 3, 8});  // multiplier 2
  CHECK(infer_ok(m, OpKind::DepthwiseConv2D,
                 DepthwiseConv2DOptions{.padding = Padding::Valid, .stride_w = 2, .stride_h = 2, .depth_multiplier = 2},
                 {x, w}) == Shape{1, 4, 4, 8});
}

TEST_CASE("FULLY_CONNECTED: flattening and keep_num_dims") {
  OneOp m;
  TensorId x = m.act({2, 3, 4});
  TensorId w = m.weights({5, 4});
  CHECK(infer_ok(m, OpKind::FullyConnected, FullyConnectedOptions{}, {x, w}) == Shape{6, 5});
  OneOp k;
  x = k.act({2, 3, 4});
  w = k.weights({5, 4});
  CHECK(infer_ok(k, OpKind::FullyConnected, FullyConnectedOptions{.keep_num_dims = true}, {x, w}) == Shape{2, 3, 5});
}

TEST_CASE("ADD broadcasting and its error") {
  OneOp m;
  TensorId a = m.act({2, 1, 4});
  TensorId b = m.act({3, 1});
  CHECK(infer_ok(m, OpKind::Add, ElementwiseOptions{}, {a, b}) == Shape{2, 3, 4});
  OneOp e;
  a = e.act({2, 3});
  b = e.act({4});
  auto r = e.infer(OpKind::Mul, ElementwiseOptions{}, {a, b});
  REQUIRE(!r);
  CHECK(r.error().message == "shapes [2,3] and [4] cannot be broadcast");
}

TEST_CASE("pools, MEAN, SQUEEZE, PAD, CONCATENATION, TRANSPOSE") {
  {
    OneOp m;
    TensorId x = m.act({1, 7, 7, 16});
    CHECK(infer_ok(m, OpKind::AveragePool2D,
                   Pool2DOptions{.padding = Padding::Valid, .stride_w = 7, .stride_h = 7, .filter_w = 7, .filter_h = 7},
                   {x}) == Shape{1, 1, 1, 16});
  }
  {
    OneOp m;
    TensorId x = m.act({2, 5, 6, 3});
    TensorId axes = m.ints({1, -2});  // -2 is axis 2: both spatial axes reduced
    CHECK(infer_ok(m, OpKind::Mean, ReducerOptions{.keep_dims = true}, {x, axes}) == Shape{2, 1, 1, 3});
    OneOp n;
    x = n.act({2, 5, 6, 3});
    axes = n.ints({1, 2});
    CHECK(infer_ok(n, OpKind::Mean, ReducerOptions{}, {x, axes}) == Shape{2, 3});
  }
  {
    OneOp m;
    TensorId x = m.act({1, 1, 5, 1});
    CHECK(infer_ok(m, OpKind::Squeeze, SqueezeOptions{}, {x}) == Shape{5});
    OneOp n;
    x = n.act({1, 1, 5, 1});
    CHECK(infer_ok(n, OpKind::Squeeze, SqueezeOptions{.squeeze_dims = {-1}}, {x}) == Shape{1, 1, 5});
  }
  {
    OneOp m;
    TensorId x = m.act({1, 4, 4, 2});
    TensorId p = m.ints({0, 0, 1, 2, 3, 0, 0, 0}, {4, 2});
    CHECK(infer_ok(m, OpKind::Pad, std::monostate{}, {x, p}) == Shape{1, 7, 7, 2});
  }
  {
    OneOp m;
    TensorId a = m.act({1, 4, 3});
    TensorId b = m.act({1, 4, 5});
    CHECK(infer_ok(m, OpKind::Concatenation, ConcatenationOptions{.axis = -1}, {a, b}) == Shape{1, 4, 8});
  }
  {
    OneOp m;
    TensorId x = m.act({1, 3, 4, 5});
    TensorId perm = m.ints({0, 3, 1, 2});
    CHECK(infer_ok(m, OpKind::Transpose, std::monostate{}, {x, perm}) == Shape{1, 5, 3, 4});
  }
}

TEST_CASE("RESHAPE: option, shape input, -1, stored shape") {
  {
    OneOp m;
    TensorId x = m.act({1, 7, 7, 64});
    CHECK(infer_ok(m, OpKind::Reshape, ReshapeOptions{.new_shape = {-1, 3136}}, {x}) == Shape{1, 3136});
  }
  {
    OneOp m;
    TensorId x = m.act({2, 3, 4});
    TensorId s = m.ints({4, -1});
    CHECK(infer_ok(m, OpKind::Reshape, ReshapeOptions{}, {x, s}) == Shape{4, 6});
  }
  {
    OneOp m;
    TensorId x = m.act({2, 3, 4});
    CHECK(infer_ok(m, OpKind::Reshape, ReshapeOptions{}, {x}, {24}) == Shape{24});
  }
  {
    OneOp m;
    TensorId x = m.act({2, 3, 4});
    auto r = m.infer(OpKind::Reshape, ReshapeOptions{.new_shape = {5, 5}}, {x});
    REQUIRE(!r);
    CHECK(r.error().message == "cannot reshape [2,3,4] (24 elements) to [5,5]");
  }
}

TEST_CASE("STRIDED_SLICE: masks, negative indices, strides, shrink, offset") {
  auto slice = [](Shape in, std::vector<int32_t> b, std::vector<int32_t> e, std::vector<int32_t> s,
                  StridedSliceOptions o) {
    OneOp m;
    TensorId x = m.act(std::move(in));
    TensorId tb = m.ints(b), te = m.ints(e), ts = m.ints(s);
    return infer_ok(m, OpKind::StridedSlice, o, {x, tb, te, ts});
  };
  // [0:-1:2] of 10 -> 0,2,4,6,8 = 5; axis 1 [-3:] with end_mask -> 3.
  CHECK(slice({10, 6}, {0, -3}, {-1, 0}, {2, 1}, {.end_mask = 2}) == Shape{5, 3});
  // Reverse a whole axis: begin_mask and end_mask with stride -1 -> 6 elements.
  CHECK(slice({6}, {0}, {0}, {-1}, {.begin_mask = 1, .end_mask = 1}) == Shape{6});
  // shrink axis 0 at index -1 -> axis dropped.
  CHECK(slice({4, 5}, {-1, 1}, {0, 4}, {1, 1}, {.shrink_axis_mask = 1}) == Shape{3});
  // offset: end = begin + end: begin 2, end 3 -> [2:5] = 3.
  CHECK(slice({8}, {2}, {3}, {1}, {.offset = true}) == Shape{3});
  // Fewer begin entries than dimensions: the rest is taken whole.
  CHECK(slice({4, 5}, {1}, {3}, {1}, {}) == Shape{2, 5});
}

TEST_CASE("check_op_shapes: input counts, dtypes, stored shapes") {
  {
    OneOp m;
    TensorId x = m.act({1, 4});
    TensorId w = m.weights({3, 4});
    (void)m.infer(OpKind::FullyConnected, FullyConnectedOptions{}, {x, w}, {1, 2});
    auto r = check_op_shapes(m.g, 0);
    REQUIRE(!r);
    CHECK(r.error().to_string() ==
          "op #0 FULLY_CONNECTED, tensor 'y': stored shape [1,2] differs from the inferred shape [1,3]");
  }
  {
    OneOp m;
    TensorId x = m.act({1, 4}, DType::Int8);
    TensorId w = m.weights({3, 4}, DType::Int8);
    TensorId b = m.weights({3}, DType::Float32);
    (void)m.infer(OpKind::FullyConnected, FullyConnectedOptions{}, {x, w, b}, {1, 3}, DType::Int8);
    auto r = check_op_shapes(m.g, 0);
    REQUIRE(!r);
    CHECK(r.error().code == Errc::Unsupported);
    CHECK(r.error().where.tensor == "w2");
  }
  {
    OneOp m;
    TensorId x = m.act({1, 4});
    (void)m.infer(OpKind::Add, ElementwiseOptions{}, {x}, {1, 4});
    auto r = check_op_shapes(m.g, 0);
    REQUIRE(!r);
    CHECK(r.error().message == "has 1 inputs, expected 2");
  }
  {
    OneOp m;  // QUANTIZE float -> int8 and a valid graph overall
    TensorId x = m.act({1, 4});
    (void)m.infer(OpKind::Quantize, std::monostate{}, {x}, {1, 4}, DType::Int8);
    CHECK(check_op_shapes(m.g, 0));
    CHECK(m.g.validate());
  }
}

TEST_CASE("infer_shapes: batch 1 becomes N, RESHAPE with a hard-coded batch follows") {
  OneOp m;
  TensorId x = m.act({1, 4, 4, 2});
  TensorId w = m.weights({3, 3, 3, 2});
  TensorId y = m.g.add_tensor(make_tensor("conv", DType::Float32, {1, 4, 4, 3}));
  m.g.add_op({.kind = OpKind::Conv2D, .options = Conv2DOptions{}, .inputs = {x, w}, .outputs = {y}});
  TensorId z = m.g.add_tensor(make_tensor("flat", DType::Float32, {1, 48}));
  m.g.add_op({.kind = OpKind::Reshape, .options = ReshapeOptions{.new_shape = {1, 48}}, .inputs = {y}, .outputs = {z}});
  m.g.outputs = {z};
  REQUIRE(m.g.validate());
  m.g.tensor(x).shape = {8, 4, 4, 2};
  REQUIRE(infer_shapes(m.g));
  CHECK(m.g.tensor(y).shape == Shape{8, 4, 4, 3});
  CHECK(m.g.tensor(z).shape == Shape{8, 48});
  // The RESHAPE target was rewritten to the new batch, so the graph validates again.
  CHECK(m.g.ops[1].opts<ReshapeOptions>().new_shape == std::vector<int32_t>{8, 48});
  CHECK(m.g.validate());
}

}  // namespace
}  // namespace tinyopt
