// tests/train/backward_test.cc: every backward kernel against finite differences (tests/train/gradient_check.h),
// on small graphs built with ModelBuilder at batch 2: strides, dilation, SAME/VALID, depth multipliers,
// broadcasting and fused activations included.
#include <doctest/doctest.h>

#include "tests/train/gradient_check.h"
#include "train/model_builder.h"

namespace tinyopt {
namespace {

using test::check_gradients;

Graph build(ModelBuilder& b, TensorId out) {
  auto g = b.finish({out});
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  return *g;
}

TEST_CASE("backward CONV_2D: SAME stride 1, VALID stride 2, dilation 2, 1x1, fused RELU / RELU6 / RELU_N1_TO_1") {
  struct Case { int filters, kh, kw; WindowSpec spec; };
  const Case cases[] = {
      {3, 3, 3, {}},
      {2, 3, 2, {.stride_h = 2, .stride_w = 2, .padding = Padding::Valid}},
      {2, 3, 3, {.padding = Padding::Same, .dilation_h = 2, .dilation_w = 2}},
      {4, 1, 1, {}},                                                   // pointwise: GEMM on the input directly
      {3, 2, 2, {.stride_h = 2, .stride_w = 1, .activation = Activation::Relu}},
      {3, 3, 3, {.activation = Activation::Relu6}},
      {2, 3, 3, {.stride_h = 1, .stride_w = 2, .activation = Activation::ReluN1To1}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.kh);
    CAPTURE(c.spec.stride_h);
    ModelBuilder b(3);
    TensorId x = b.input("x", {1, 6, 5, 3});
    check_gradients(build(b, b.conv_2d(x, c.filters, c.kh, c.kw, c.spec)), {.input_scale = 3.f});
  }
}

TEST_CASE("backward DEPTHWISE_CONV_2D: multipliers 1 and 2, strides, dilation, VALID, fused activations") {
  struct Case { int mult; WindowSpec spec; };
  const Case cases[] = {
      {1, {}},
      {2, {.stride_h = 2, .stride_w = 2, .padding = Padding::Valid}},
      {1, {.dilation_h = 2, .dilation_w = 2}},
      {3, {.stride_h = 2, .stride_w = 1, .activation = Activation::Relu}},
      {1, {.activation = Activation::Relu6}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.mult);
    ModelBuilder b(4);
    TensorId x = b.input("x", {1, 6, 7, 2});
    check_gradients(build(b, b.depthwise_conv_2d(x, 3, 3, c.mult, c.spec)), {.input_scale = 3.f});
  }
}

TEST_CASE("backward DEPTHWISE_CONV_2D: multiplier 1 on whole vectors of 8 channels (register sums, gathered input)") {
  // 8, 24 (2 + 1 vectors) and 72 (8 + 1) channels, with strides, unequal dilations, VALID and SAME borders.
  struct Case { int channels; WindowSpec spec; };
  const Case cases[] = {
      {8, {}},
      {24, {.stride_h = 2, .stride_w = 1, .padding = Padding::Valid}},
      {24, {.activation = Activation::Relu, .dilation_h = 1, .dilation_w = 2}},
      {72, {.stride_h = 2, .stride_w = 2}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.channels);
    ModelBuilder b(5);
    TensorId x = b.input("x", {1, 5, 6, c.channels});
    check_gradients(build(b, b.depthwise_conv_2d(x, 3, 3, 1, c.spec)), {.input_scale = 3.f});
  }
}

TEST_CASE("backward FULLY_CONNECTED: plain, fused RELU and RELU_N1_TO_1, rank-4 input flattened") {
  for (Activation a : {Activation::None, Activation::Relu, Activation::ReluN1To1}) {
    ModelBuilder b(5);
    TensorId x = b.input("x", {1, 7});
    check_gradients(build(b, b.fully_connected(x, 4, a)));
  }
  ModelBuilder b(6);
  TensorId x = b.input("x", {1, 2, 2, 3});
  check_gradients(build(b, b.fully_connected(b.reshape(x, {1, 12}), 5)));
}

TEST_CASE("backward ADD / SUB / MUL: equal shapes, broadcast constants and activations, fused activation") {
  for (int kind = 0; kind < 3; ++kind) {
    CAPTURE(kind);
    auto apply = [&](ModelBuilder& b, TensorId p, TensorId q, Activation a) {
      return kind == 0 ? b.add(p, q, a) : kind == 1 ? b.sub(p, q, a) : b.mul(p, q, a);
    };
    {  // two activations of the same shape (both branches of a conv)
      ModelBuilder b(10 + kind);
      TensorId x = b.input("x", {1, 3, 4, 2});
      TensorId p = b.conv_2d(x, 2, 1, 1), q = b.conv_2d(x, 2, 3, 3);
      check_gradients(build(b, apply(b, p, q, Activation::None)));
    }
    {  // per-channel constant (a folded batch norm): a trainable broadcast parameter
      ModelBuilder b(20 + kind);
      TensorId x = b.input("x", {1, 3, 4, 2});
      TensorId c = b.constant("c", {2}, {0.5f, -1.25f});
      check_gradients(build(b, apply(b, x, c, Activation::Relu)));
    }
    {  // activation broadcast against activation: [1,3,4,2] op [1,1,4,1]
      ModelBuilder b(30 + kind);
      TensorId x = b.input("x", {1, 3, 4, 2});
      TensorId m = b.mean(b.conv_2d(x, 1, 1, 1), {1}, true);
      check_gradients(build(b, apply(b, m, x, Activation::None)));
    }
  }
}

TEST_CASE("backward AVERAGE_POOL_2D and MAX_POOL_2D: SAME partial windows, VALID, strides, fused RELU") {
  const WindowSpec specs[] = {
      {.stride_h = 2, .stride_w = 2, .padding = Padding::Same},
      {.stride_h = 1, .stride_w = 2, .padding = Padding::Valid},
      {.stride_h = 2, .stride_w = 2, .padding = Padding::Same, .activation = Activation::Relu},
  };
  for (const WindowSpec& s : specs) {
    ModelBuilder a(40);
    TensorId x = a.input("x", {1, 5, 6, 2});
    check_gradients(build(a, a.average_pool_2d(x, 3, 2, s)));
    ModelBuilder m(41);
    TensorId y = m.input("x", {1, 5, 6, 2});
    check_gradients(build(m, m.max_pool_2d(y, 3, 2, s)));
  }
}

TEST_CASE("backward MEAN over spatial axes, with and without keep_dims, and over channels") {
  for (bool keep : {false, true}) {
    ModelBuilder b(50);
    TensorId x = b.input("x", {1, 3, 4, 5});
    check_gradients(build(b, b.mean(x, {1, 2}, keep)));
  }
  ModelBuilder b(51);
  TensorId x = b.input("x", {1, 3, 4, 5});
  check_gradients(build(b, b.mean(x, {-1}, false)));
}

TEST_CASE("backward RESHAPE, SQUEEZE, PAD, CONCATENATION") {
  {
    ModelBuilder b(60);
    TensorId x = b.input("x", {1, 2, 3, 2});
    check_gradients(build(b, b.fully_connected(b.reshape(x, {1, -1}), 3)));
  }
  {
    ModelBuilder b(61);
    TensorId x = b.input("x", {1, 1, 1, 6});
    check_gradients(build(b, b.fully_connected(b.squeeze(x, {1, 2}), 3)));
  }
  {
    ModelBuilder b(62);
    TensorId x = b.input("x", {1, 3, 4, 2});
    check_gradients(build(b, b.conv_2d(b.pad(x, {0, 0, 1, 2, 0, 1, 0, 0}), 2, 3, 3, {.padding = Padding::Valid})));
  }
  for (int axis : {3, 1, -2}) {
    CAPTURE(axis);
    ModelBuilder b(63);
    TensorId x = b.input("x", {1, 3, 4, 2});
    TensorId p = b.conv_2d(x, 2, 1, 1);
    check_gradients(build(b, b.concatenation({x, p}, axis, Activation::Relu)));
  }
}

TEST_CASE("backward SOFTMAX with beta 1 and 0.5") {
  for (float beta : {1.f, 0.5f}) {
    ModelBuilder b(70);
    TensorId x = b.input("x", {1, 6});
    check_gradients(build(b, b.softmax(b.fully_connected(x, 5), beta)), {.input_scale = 2.f});
  }
}

TEST_CASE("backward activations: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH") {
  for (int k = 0; k < 6; ++k) {
    CAPTURE(k);
    ModelBuilder b(80 + k);
    TensorId x = b.input("x", {1, 4, 5, 3});
    TensorId y = k == 0 ? b.relu(x) : k == 1 ? b.relu6(x) : k == 2 ? b.leaky_relu(x, 0.2f)
               : k == 3 ? b.logistic(x) : k == 4 ? b.tanh(x) : b.hard_swish(x);
    check_gradients(build(b, y), {.input_scale = 8.f});  // covers both sides of RELU6 and HARD_SWISH's kinks
  }
}

TEST_CASE("backward through a small depthwise-separable CNN end to end") {
  ModelBuilder b(90);
  TensorId x = b.input("x", {1, 8, 8, 1});
  x = b.conv_2d(x, 4, 3, 3, {.stride_h = 2, .stride_w = 2, .activation = Activation::Relu});
  x = b.depthwise_conv_2d(x, 3, 3, 1, {.activation = Activation::Relu6});
  x = b.conv_2d(x, 6, 1, 1, {.activation = Activation::Relu});
  x = b.mean(x, {1, 2});
  check_gradients(build(b, b.softmax(b.fully_connected(x, 3))));
}

TEST_CASE("an op without a backward is reported with its index") {
  ModelBuilder b(91);
  TensorId x = b.input("x", {1, 4});
  Graph g = build(b, b.fully_connected(x, 2));
  Op t;
  t.kind = OpKind::Transpose;  // no backward kernel; built by hand since the builder has no TRANSPOSE
  Tensor perm;
  perm.name = "perm";
  perm.shape = {2};
  perm.set_values<int32_t>(std::vector<int32_t>{1, 0});
  t.inputs = {g.outputs[0], g.add_tensor(perm)};
  Tensor out;
  out.name = "transposed";
  out.shape = {2, 1};
  t.outputs = {g.add_tensor(out)};
  g.add_op(t);
  g.outputs = {t.outputs[0]};
  auto p = TapeProgram::create(g);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().to_string().find("op #1 TRANSPOSE") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
