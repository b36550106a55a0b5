// tests/runtime/float_kernels_test.cc: float kernels on tiny graphs with expectations worked out by hand in the
// comments, plus seeded random comparisons of the GEMM convolutions against a direct loop.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ir/shape_inference.h"
#include "train/batching.h"
#include "runtime/interpreter.h"

namespace tinyopt {
namespace {

// A graph of one op: float activation inputs set per run, constant inputs, one output whose shape is inferred.
struct OneOp {
  Graph g;
  std::vector<std::vector<float>> feeds;

  TensorId input(Shape s, std::vector<float> values) {
    Tensor t;
    t.name = fmt::format("in{}", g.inputs.size());
    t.shape = std::move(s);
    TensorId id = g.add_tensor(std::move(t));
    g.inputs.push_back(id);
    feeds.push_back(std::move(values));
    return id;
  }
  template <class T> TensorId constant(Shape s, std::vector<T> values) {
    Tensor t;
    t.name = fmt::format("c{}", g.tensors.size());
    t.shape = std::move(s);
    t.set_values<T>(values);
    return g.add_tensor(std::move(t));
  }
  // Adds the op, infers its output shape, runs it and returns the output values.
  std::vector<float> run(OpKind k, OpOptions o, std::vector<TensorId> ins, Shape* out_shape = nullptr) {
    Tensor y;
    y.name = "out";
    TensorId out = g.add_tensor(std::move(y));
    g.add_op({.kind = k, .options = o, .inputs = std::move(ins), .outputs = {out}});
    g.outputs = {out};
    auto shapes = infer_output_shapes(g, 0);
    REQUIRE_MESSAGE(shapes, (shapes ? "" : shapes.error().to_string()));
    g.tensor(out).shape = (*shapes)[0];
    if (out_shape) *out_shape = (*shapes)[0];
    auto interp = Interpreter::create(g);
    REQUIRE_MESSAGE(interp, (interp ? "" : interp.error().to_string()));
    for (size_t i = 0; i < feeds.size(); ++i) REQUIRE(interp->set_input<float>(i, feeds[i]));
    REQUIRE(interp->invoke());
    auto v = interp->output(0).as<float>();
    return {v.begin(), v.end()};
  }
};

void check_close(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK_MESSAGE(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])),
                                                        "element " << i << ": got " << got[i] << ", want " << want[i]);
}

TEST_CASE("CONV_2D float: VALID, SAME with stride 2, dilation, bias + RELU") {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // 3x3 image, one channel
  {
    // 2x2 ones filter, VALID stride 1: window sums 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28.
    OneOp m;
    TensorId in = m.input({1, 3, 3, 1}, x);
    check_close(m.run(OpKind::Conv2D, Conv2DOptions{.padding = Padding::Valid},
                      {in, m.constant<float>({1, 2, 2, 1}, {1, 1, 1, 1})}),
                {12, 16, 24, 28});
  }
  {
    // SAME, stride 2: out 2x2, total padding (2-1)*2+2-3 = 1, all of it after. Windows: {1,2,4,5}=12, {3,6}=9,
    // {7,8}=15, {9}=9. Bias -10 then RELU: 2, 0, 5, 0.
    OneOp m;
    TensorId in = m.input({1, 3, 3, 1}, x);
    check_close(m.run(OpKind::Conv2D,
                      Conv2DOptions{.padding = Padding::Same, .stride_w = 2, .stride_h = 2, .activation = Activation::Relu},
                      {in, m.constant<float>({1, 2, 2, 1}, {1, 1, 1, 1}), m.constant<float>({1}, {-10})}),
                {2, 0, 5, 0});
  }
  {
    // Dilation 2, VALID: the 2x2 filter touches the corners 1, 3, 7, 9; weights 1, 2, 3, 4 -> 1+6+21+36 = 64.
    OneOp m;
    TensorId in = m.input({1, 3, 3, 1}, x);
    check_close(m.run(OpKind::Conv2D, Conv2DOptions{.padding = Padding::Valid, .dilation_w = 2, .dilation_h = 2},
                      {in, m.constant<float>({1, 2, 2, 1}, {1, 2, 3, 4})}),
                {64});
  }
  {
    // 1x1 conv (direct GEMM): pixel (1,2) -> [1*1+2*0, 1*0+2*1, 1+2] + bias [0.5,0,0] = [1.5, 2, 3]; (3,4) -> [3.5, 4, 7].
    OneOp m;
    TensorId in = m.input({1, 1, 2, 2}, {1, 2, 3, 4});
    check_close(m.run(OpKind::Conv2D, Conv2DOptions{},
                      {in, m.constant<float>({3, 1, 1, 2}, {1, 0, 0, 1, 1, 1}), m.constant<float>({3}, {0.5f, 0, 0})}),
                {1.5f, 2, 3, 3.5f, 4, 7});
  }
}

TEST_CASE("DEPTHWISE_CONV_2D float: depth multiplier 2 and RELU6") {
  // 2x2 image, channels (a, b); filter 1x1x... no: 2x2 window VALID -> one pixel; multiplier 2 -> 4 outputs.
  // a = {1,2,3,4}, b = {10,20,30,40} (per pixel interleaved). Channel 0 weights (oc 0,1): all 1 and all 0.5;
  // channel 1 weights (oc 2,3): all 0.1 and all -1. Sums: 10, 5, 10, -100 -> RELU6: 6, 5, 6, 0.
  OneOp m;
  TensorId in = m.input({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  std::vector<float> w;
  for (int tap = 0; tap < 4; ++tap) w.insert(w.end(), {1.0f, 0.5f, 0.1f, -1.0f});
  check_close(m.run(OpKind::DepthwiseConv2D,
                    DepthwiseConv2DOptions{.padding = Padding::Valid, .depth_multiplier = 2, .activation = Activation::Relu6},
                    {in, m.constant<float>({1, 2, 2, 4}, w)}),
              {6, 5, 6, 0});
}

TEST_CASE("FULLY_CONNECTED float: batch of 2, bias") {
  // w = [[1,2],[3,4],[-1,0]], b = [0,1,2]: x=[1,1] -> [3,8,1]; x=[2,-1] -> [0,3,0].
  OneOp m;
  TensorId in = m.input({2, 2}, {1, 1, 2, -1});
  check_close(m.run(OpKind::FullyConnected, FullyConnectedOptions{},
                    {in, m.constant<float>({3, 2}, {1, 2, 3, 4, -1, 0}), m.constant<float>({3}, {0, 1, 2})}),
              {3, 8, 1, 0, 3, 0});
}

TEST_CASE("ADD/SUB/MUL float: broadcasting and fused activation") {
  {
    // [2,1,3] + [2,1] -> [2,2,3]: a row (per first index) plus b (per second index, repeated over the last).
    OneOp m;
    TensorId a = m.input({2, 1, 3}, {1, 2, 3, 4, 5, 6});
    TensorId b = m.input({2, 1}, {10, 20});
    check_close(m.run(OpKind::Add, ElementwiseOptions{}, {a, b}),
                {11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26});
  }
  {
    OneOp m;  // scalar b, then RELU: 1-2=-1 -> 0, 3-2 = 1
    TensorId a = m.input({2}, {1, 3});
    check_close(m.run(OpKind::Sub, ElementwiseOptions{.activation = Activation::Relu}, {a, m.constant<float>({}, {2})}),
                {0, 1});
  }
  {
    OneOp m;  // same shapes
    TensorId a = m.input({3}, {1, -2, 3});
    TensorId b = m.input({3}, {4, 5, -6});
    check_close(m.run(OpKind::Mul, ElementwiseOptions{}, {a, b}), {4, -10, -18});
  }
}

TEST_CASE("pools float: SAME average counts only in-bounds elements; max pool") {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  {
    // 2x2 window, stride 2, SAME on 3x3: windows {1,2,4,5} -> 3, {3,6} -> 4.5, {7,8} -> 7.5, {9} -> 9.
    OneOp m;
    TensorId in = m.input({1, 3, 3, 1}, x);
    check_close(m.run(OpKind::AveragePool2D,
                      Pool2DOptions{.padding = Padding::Same, .stride_w = 2, .stride_h = 2, .filter_w = 2, .filter_h = 2},
                      {in}),
                {3, 4.5f, 7.5f, 9});
  }
  {
    OneOp m;  // 2x2 window stride 1 VALID: maxima 5, 6, 8, 9
    TensorId in = m.input({1, 3, 3, 1}, x);
    check_close(m.run(OpKind::MaxPool2D, Pool2DOptions{.padding = Padding::Valid, .filter_w = 2, .filter_h = 2}, {in}),
                {5, 6, 8, 9});
  }
}

TEST_CASE("MEAN float over one and several axes") {
  // x [2,2,3]: rows (1,2,3),(4,5,6) | (7,8,9),(10,11,12).
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  {
    OneOp m;  // axes {0,1}: mean over 4 rows per column: (1+4+7+10)/4 = 5.5, 6.5, 7.5
    TensorId in = m.input({2, 2, 3}, x);
    check_close(m.run(OpKind::Mean, ReducerOptions{}, {in, m.constant<int32_t>({2}, {0, 1})}), {5.5f, 6.5f, 7.5f});
  }
  {
    OneOp m;  // axis -1 keep_dims: row means 2, 5, 8, 11 with shape [2,2,1]
    TensorId in = m.input({2, 2, 3}, x);
    Shape s;
    check_close(m.run(OpKind::Mean, ReducerOptions{.keep_dims = true}, {in, m.constant<int32_t>({1}, {-1})}, &s),
                {2, 5, 8, 11});
    CHECK(s == Shape{2, 2, 1});
  }
}

TEST_CASE("SOFTMAX float with beta is stable for large logits") {
  // beta 0.5 on (1000, 1000 + 2 ln 3): exp(0), exp(ln 3) -> 1/4, 3/4. Without the max shift exp would overflow.
  OneOp m;
  TensorId in = m.input({1, 2}, {1000.0f, 1000.0f + 2.0f * std::log(3.0f)});
  check_close(m.run(OpKind::Softmax, SoftmaxOptions{.beta = 0.5f}, {in}), {0.25f, 0.75f}, 1e-4f);
}

TEST_CASE("activations float") {
  const std::vector<float> x = {-4, -1, 0, 2, 7};
  auto run1 = [&](OpKind k, OpOptions o = std::monostate{}) {
    OneOp m;
    TensorId in = m.input({5}, x);
    return m.run(k, o, {in});
  };
  check_close(run1(OpKind::Relu), {0, 0, 0, 2, 7});
  check_close(run1(OpKind::Relu6), {0, 0, 0, 2, 6});
  check_close(run1(OpKind::LeakyRelu, LeakyReluOptions{.alpha = 0.1f}), {-0.4f, -0.1f, 0, 2, 7});
  // hard swish x * relu6(x+3) / 6: -4 -> 0, -1 -> -1*2/6, 0 -> 0, 2 -> 2*5/6, 7 -> 7.
  check_close(run1(OpKind::HardSwish), {0, -1.0f / 3, 0, 10.0f / 6, 7});
  check_close(run1(OpKind::Logistic), {1 / (1 + std::exp(4.0f)), 1 / (1 + std::exp(1.0f)), 0.5f,
                                       1 / (1 + std::exp(-2.0f)), 1 / (1 + std::exp(-7.0f))});
  check_close(run1(OpKind::Tanh), {std::tanh(-4.0f), std::tanh(-1.0f), 0, std::tanh(2.0f), std::tanh(7.0f)});
}

TEST_CASE("PAD, CONCATENATION, TRANSPOSE, STRIDED_SLICE, RESHAPE float") {
  {
    OneOp m;  // [2,2] padded (1,0) rows, (0,1) columns -> [3,3]: zero row, then 1 2 0 / 3 4 0
    TensorId in = m.input({2, 2}, {1, 2, 3, 4});
    check_close(m.run(OpKind::Pad, std::monostate{}, {in, m.constant<int32_t>({2, 2}, {1, 0, 0, 1})}),
                {0, 0, 0, 1, 2, 0, 3, 4, 0});
  }
  {
    OneOp m;  // axis -1: [2,1] ++ [2,2] -> rows (1, 10, 11), (2, 20, 21)
    TensorId a = m.input({2, 1}, {1, 2});
    TensorId b = m.input({2, 2}, {10, 11, 20, 21});
    check_close(m.run(OpKind::Concatenation, ConcatenationOptions{.axis = -1}, {a, b}), {1, 10, 11, 2, 20, 21});
  }
  {
    OneOp m;  // [2,3] transposed -> [3,2]
    TensorId in = m.input({2, 3}, {1, 2, 3, 4, 5, 6});
    check_close(m.run(OpKind::Transpose, std::monostate{}, {in, m.constant<int32_t>({2}, {1, 0})}), {1, 4, 2, 5, 3, 6});
  }
  {
    OneOp m;  // [3,4]: row 1 (shrunk), columns reversed with stride -2 from the end: 8, 6
    TensorId in = m.input({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    Shape s;
    check_close(m.run(OpKind::StridedSlice, StridedSliceOptions{.end_mask = 2, .shrink_axis_mask = 1},
                      {in, m.constant<int32_t>({2}, {1, -1}), m.constant<int32_t>({2}, {2, 0}),
                       m.constant<int32_t>({2}, {1, -2})},
                      &s),
                {8, 6});
    CHECK(s == Shape{2});
  }
  {
    OneOp m;
    TensorId in = m.input({2, 3}, {1, 2, 3, 4, 5, 6});
    check_close(m.run(OpKind::Reshape, ReshapeOptions{.new_shape = {3, -1}}, {in}), {1, 2, 3, 4, 5, 6});
  }
}

TEST_CASE("QUANTIZE float -> int8: round half away from zero, zero point, saturation") {
  // scale 0.5, zp -3: 1.25/0.5 = 2.5 -> 3 -> 0; -1.25 -> -2.5 -> -3 -> -6; 100 -> 200-3 saturates to 127.
  Graph g;
  Tensor x;
  x.name = "x";
  x.shape = {3};
  TensorId in = g.add_tensor(std::move(x));
  Tensor q;
  q.name = "q";
  q.dtype = DType::Int8;
  q.shape = {3};
  q.quant = QuantParams{.scale = {0.5f}, .zero_point = {-3}, .axis = 0};
  TensorId out = g.add_tensor(std::move(q));
  g.add_op({.kind = OpKind::Quantize, .options = std::monostate{}, .inputs = {in}, .outputs = {out}});
  g.inputs = {in};
  g.outputs = {out};
  auto interp = Interpreter::create(g);
  REQUIRE_MESSAGE(interp, (interp ? "" : interp.error().to_string()));
  std::vector<float> v = {1.25f, -1.25f, 100.0f};
  REQUIRE(interp->set_input<float>(0, v));
  REQUIRE(interp->invoke());
  auto y = interp->output(0).as<int8_t>();
  CHECK(std::vector<int8_t>(y.begin(), y.end()) == std::vector<int8_t>{0, -6, 127});
}

// Direct-loop convolution used as the oracle for the im2col/GEMM kernel.
std::vector<float> reference_conv(const std::vector<float>& x, const Shape& xs, const std::vector<float>& w,
                                  const Shape& ws, const std::vector<float>& b, const Conv2DOptions& o, const Shape& ys) {
  std::vector<float> y(static_cast<size_t>(num_elements(ys)));
  const int pt = window_padding_before(o.padding, xs[1], ws[1], o.stride_h, o.dilation_h);
  const int pl = window_padding_before(o.padding, xs[2], ws[2], o.stride_w, o.dilation_w);
  for (int n = 0; n < ys[0]; ++n)
    for (int oy = 0; oy < ys[1]; ++oy)
      for (int ox = 0; ox < ys[2]; ++ox)
        for (int oc = 0; oc < ys[3]; ++oc) {
          double acc = b[static_cast<size_t>(oc)];
          for (int ky = 0; ky < ws[1]; ++ky)
            for (int kx = 0; kx < ws[2]; ++kx)
              for (int ic = 0; ic < xs[3]; ++ic) {
                const int iy = oy * o.stride_h - pt + ky * o.dilation_h, ix = ox * o.stride_w - pl + kx * o.dilation_w;
                if (iy < 0 || ix < 0 || iy >= xs[1] || ix >= xs[2]) continue;
                acc += double(x[static_cast<size_t>(((n * xs[1] + iy) * xs[2] + ix) * xs[3] + ic)]) *
                       w[static_cast<size_t>(((oc * ws[1] + ky) * ws[2] + kx) * ws[3] + ic)];
              }
          y[static_cast<size_t>(((n * ys[1] + oy) * ys[2] + ox) * ys[3] + oc)] = static_cast<float>(acc);
        }
  return y;
}

TEST_CASE("CONV_2D float: im2col + GEMM equals a direct loop on random shapes and batches") {
  const uint32_t seed = 20261125;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> val(-1, 1);
  for (int trial = 0; trial < 12; ++trial) {
    std::uniform_int_distribution<int> small(1, 3), dim(1, 9), ch(1, 6);
    const Shape xs = {small(rng), dim(rng) + 2, dim(rng) + 2, ch(rng)};
    const Shape ws = {ch(rng), small(rng), small(rng), xs[3]};
    Conv2DOptions o{.padding = trial % 2 ? Padding::Same : Padding::Valid, .stride_w = small(rng), .stride_h = small(rng),
                    .dilation_w = trial % 3 == 0 ? 2 : 1, .dilation_h = trial % 4 == 0 ? 2 : 1};
    if (window_output_size(o.padding, xs[1], ws[1], o.stride_h, o.dilation_h) == 0 ||
        window_output_size(o.padding, xs[2], ws[2], o.stride_w, o.dilation_w) == 0)
      continue;
    std::vector<float> x(static_cast<size_t>(num_elements(xs))), w(static_cast<size_t>(num_elements(ws))),
        b(static_cast<size_t>(ws[0]));
    for (float& v : x) v = val(rng);
    for (float& v : w) v = val(rng);
    for (float& v : b) v = val(rng);
    OneOp m;
    TensorId in = m.input(xs, x);
    Shape ys;
    std::vector<float> got = m.run(OpKind::Conv2D, o, {in, m.constant<float>(ws, w), m.constant<float>({ws[0]}, b)}, &ys);
    CAPTURE(seed);
    CAPTURE(trial);
    check_close(got, reference_conv(x, xs, w, ws, b, o, ys), 1e-5f);
  }
}

TEST_CASE("interpreter: every op without a kernel is reported at once") {
  // Two CONV_2D with a fused TANH (unsupported on float) and an int32 ADD (no int32 kernel).
  Graph g;
  auto tensor = [&](const char* name, DType t, Shape s) {
    Tensor x;
    x.name = name;
    x.dtype = t;
    x.shape = std::move(s);
    return g.add_tensor(std::move(x));
  };
  TensorId x = tensor("x", DType::Float32, {1, 2, 2, 1});
  Tensor w;
  w.name = "w";
  w.shape = {1, 1, 1, 1};
  w.set_values<float>(std::vector<float>{1});
  TensorId wid = g.add_tensor(std::move(w));
  TensorId y1 = tensor("y1", DType::Float32, {1, 2, 2, 1});
  TensorId y2 = tensor("y2", DType::Float32, {1, 2, 2, 1});
  TensorId i = tensor("i", DType::Int32, {2});
  TensorId s = tensor("s", DType::Int32, {2});
  g.add_op({.kind = OpKind::Conv2D, .options = Conv2DOptions{.activation = Activation::Tanh}, .inputs = {x, wid}, .outputs = {y1}});
  g.add_op({.kind = OpKind::Conv2D, .options = Conv2DOptions{.activation = Activation::Tanh}, .inputs = {y1, wid}, .outputs = {y2}});
  g.add_op({.kind = OpKind::Add, .options = ElementwiseOptions{}, .inputs = {i, i}, .outputs = {s}});
  g.inputs = {x, i};
  g.outputs = {y2, s};
  auto interp = Interpreter::create(g);
  REQUIRE(!interp);
  const std::string msg = interp.error().to_string();
  CHECK(msg.find("3 errors") != std::string::npos);
  CHECK(msg.find("op #0 CONV_2D: fused activation TANH is not supported") != std::string::npos);
  CHECK(msg.find("op #1 CONV_2D") != std::string::npos);
  CHECK(msg.find("op #2 ADD: no kernel for inputs (int32, int32) -> outputs (int32)") != std::string::npos);
}

TEST_CASE("interpreter: arena plan, observer, set_input errors, batch N after infer_shapes") {
  // x -> RELU -> t1 -> RELU6 -> t2 -> LEAKY_RELU -> y; each [1,100] float = 400 bytes. Live sets: {x,t1},
  // {t1,t2}, {t2,y}: two buffers at a time, so the greedy plan needs 800 bytes.
  Graph g;
  auto act = [&](const char* name) {
    Tensor t;
    t.name = name;
    t.shape = {1, 100};
    return g.add_tensor(std::move(t));
  };
  TensorId x = act("x"), t1 = act("t1"), t2 = act("t2"), y = act("y");
  g.add_op({.kind = OpKind::Relu, .options = std::monostate{}, .inputs = {x}, .outputs = {t1}});
  g.add_op({.kind = OpKind::Relu6, .options = std::monostate{}, .inputs = {t1}, .outputs = {t2}});
  g.add_op({.kind = OpKind::LeakyRelu, .options = LeakyReluOptions{.alpha = 0.5f}, .inputs = {t2}, .outputs = {y}});
  g.inputs = {x};
  g.outputs = {y};
  auto interp = Interpreter::create(g);
  REQUIRE(interp);
  CHECK(interp->arena_bytes() == 800);

  std::vector<float> in(100);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) - 50.0f;  // -50..49
  REQUIRE(interp->set_input<float>(0, in));
  std::vector<int> seen;
  interp->set_observer([&](int op, const Op&, std::span<const TensorView> outs) {
    seen.push_back(op);
    CHECK(outs.size() == 1);
  });
  REQUIRE(interp->invoke());
  CHECK(seen == std::vector<int>{0, 1, 2});
  auto out = interp->output(0).as<float>();
  CHECK(out[0] == 0.0f);   // relu(-50) = 0
  CHECK(out[99] == 6.0f);  // relu6(49) = 6
  CHECK(out[53] == 3.0f);

  std::vector<float> wrong(99);
  auto bad = interp->set_input<float>(0, wrong);
  REQUIRE(!bad);
  CHECK(bad.error().to_string() == "tensor 'x': input needs 400 bytes ([1,100] of float32), got 396");

  // Batch 1 -> 4: the same kernels run on the larger shapes.
  g.tensor(x).shape = {4, 100};
  REQUIRE(infer_shapes(g));
  auto batched = Interpreter::create(g);
  REQUIRE(batched);
  CHECK(batched->arena_bytes() == 3200);
  std::vector<float> in4(400, -2.0f);
  REQUIRE(batched->set_input<float>(0, in4));
  REQUIRE(batched->invoke());
  CHECK(batched->output(0).as<float>()[399] == 0.0f);
}

}  // namespace
}  // namespace tinyopt
