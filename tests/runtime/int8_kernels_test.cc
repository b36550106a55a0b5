// tests/runtime/int8_kernels_test.cc: integer kernels on tiny hand-built graphs, expectations worked out by hand
// in the comments: saturation at -128/127, multipliers > 1 and < 2^-31, zero points at the range ends, 1x1 and
// 7x7 kernels, stride 2 SAME on odd sizes, depth multiplier 2, and the fixed-parameter activations.
#include <doctest/doctest.h>

#include "runtime/kernels/int8_kernels.h"
#include "tests/runtime/int8_test_graph.h"

namespace tinyopt {
namespace {

using test::add_act;
using test::add_const;
using test::bytes_of;
using test::qp;
using test::run_kernel;

using I8 = std::vector<int8_t>;

TEST_CASE("fully_connected int8: one unit, values checked by hand") {
  // in=[10,-20] (s=0.5, zp=-1), w=[3,4] (s=0.25), bias=8 (s=0.125), out s=1.0 zp=0
  // acc = (10+1)*3 + (-20+1)*4 + 8 = -35;  -35 * (0.5*0.25/1.0) = -4.375 -> -4
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 2}, qp(0.5f, -1));
  const TensorId w = add_const<int8_t>(g, {1, 2}, {3, 4}, qp(0.25f, 0));
  const TensorId b = add_const<int32_t>(g, {1}, {8}, qp(0.125f, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 1}, qp(1.0f, 0));
  test::add_one_op(g, OpKind::FullyConnected, FullyConnectedOptions{}, {in, w, b}, {out});
  CHECK(run_kernel<int8_t>(g, make_fully_connected_int8_reference, {bytes_of(I8{10, -20})}) == I8{-4});
  CHECK(run_kernel<int8_t>(g, make_fully_connected_int8, {bytes_of(I8{10, -20})}) == I8{-4});
}

// A 1x1 CONV_2D with one input and one output channel: out = clamp(round(x * w * s_in * s_w / s_out) + zp_out).
Graph conv1x1(float s_in, int zp_in, float s_w, int8_t w, float s_out, int zp_out, Activation act = Activation::None) {
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 1, 1, 1}, qp(s_in, zp_in));
  const TensorId f = add_const<int8_t>(g, {1, 1, 1, 1}, {w}, qp(s_w, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 1, 1, 1}, qp(s_out, zp_out));
  Conv2DOptions o;
  o.padding = Padding::Valid;
  o.activation = act;
  test::add_one_op(g, OpKind::Conv2D, o, {in, f, kNoTensor}, {out});
  return g;
}

TEST_CASE("conv_2d int8 1x1: saturation, multiplier > 1, multiplier < 2^-31, zero points at the range ends") {
  for (KernelFactory f : {make_conv_2d_int8_reference, make_conv_2d_int8}) {
    // 127 * 127 * (1 * 1 / 1) = 16129 saturates at 127; -128 * 127 = -16256 saturates at -128.
    const Graph g = conv1x1(1.0f, 0, 1.0f, 127, 1.0f, 0);
    CHECK(run_kernel<int8_t>(g, f, {bytes_of(I8{127})}) == I8{127});
    CHECK(run_kernel<int8_t>(g, f, {bytes_of(I8{-128})}) == I8{-128});
    // Multiplier 4 (s_out = 0.25): 10 * 1 * 4 = 40; 3 * 1 * 4 = 12.
    const Graph g4 = conv1x1(1.0f, 0, 1.0f, 1, 0.25f, 0);
    CHECK(run_kernel<int8_t>(g4, f, {bytes_of(I8{10})}) == I8{40});
    CHECK(run_kernel<int8_t>(g4, f, {bytes_of(I8{-3})}) == I8{-12});
    // Multiplier 1e-12 < 2^-31 flushes to zero: every output is the output zero point (5).
    const Graph gt = conv1x1(1e-6f, 0, 1e-6f, 127, 1.0f, 5);
    CHECK(run_kernel<int8_t>(gt, f, {bytes_of(I8{127})}) == I8{5});
    // zp_in = -128 (x = -128 is real 0), zp_out = 127: x = 127 is real 255 * 0.5 = 127.5 (s_in 0.5);
    // w = 1 (s 1/255) -> 0.5; s_out = 1/255 -> 127.5 -> acc 255 * (0.5/255*255) ... acc = 255 * 1 = 255,
    // multiplier 0.5 * (1/255) / (1/255) = 0.5 -> 127.5 -> 128 (SRDHM 127.5 -> 128), + 127 = 255 -> 127.
    const Graph gz = conv1x1(0.5f, -128, 1.0f / 255, 1, 1.0f / 255, 127);
    CHECK(run_kernel<int8_t>(gz, f, {bytes_of(I8{127})}) == I8{127});
    CHECK(run_kernel<int8_t>(gz, f, {bytes_of(I8{-128})}) == I8{127});  // real 0 -> zp_out
    // Same with zp_out = -128: real 0 -> -128, x = -126 (real 1) -> 0.5 * 2 = 1 -> -127.
    const Graph gz2 = conv1x1(0.5f, -128, 1.0f / 255, 1, 1.0f / 255, -128);
    CHECK(run_kernel<int8_t>(gz2, f, {bytes_of(I8{-128})}) == I8{-128});
    CHECK(run_kernel<int8_t>(gz2, f, {bytes_of(I8{-126})}) == I8{-127});
    // RELU6 fused, s_out = 0.1: 100 * 1 * (1 * 1 / 0.1) = 1000 -> clamp at quantize(6) = 60.
    const Graph gr = conv1x1(1.0f, 0, 1.0f, 1, 0.1f, 0, Activation::Relu6);
    CHECK(run_kernel<int8_t>(gr, f, {bytes_of(I8{100})}) == I8{60});
    CHECK(run_kernel<int8_t>(gr, f, {bytes_of(I8{-5})}) == I8{0});
  }
}

TEST_CASE("conv_2d int8 3x3 stride 2 SAME on a 5x5 input counts only the taps inside the image") {
  // 5x5 ones, 3x3 ones, stride 2 SAME: out 3x3, total padding (3-1)*2+3-5 = 2 -> 1 before. Windows hold
  // 2x2, 2x3, 3x3 pixels inside: corners 4, edges 6, centre 9.
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 5, 5, 1}, qp(1.0f, 0));
  const TensorId f = add_const<int8_t>(g, {1, 3, 3, 1}, I8(9, 1), qp(1.0f, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 3, 3, 1}, qp(1.0f, 0));
  Conv2DOptions o;
  o.padding = Padding::Same;
  o.stride_h = o.stride_w = 2;
  test::add_one_op(g, OpKind::Conv2D, o, {in, f, kNoTensor}, {out});
  const I8 want{4, 6, 4, 6, 9, 6, 4, 6, 4};
  CHECK(run_kernel<int8_t>(g, make_conv_2d_int8_reference, {bytes_of(I8(25, 1))}) == want);
  CHECK(run_kernel<int8_t>(g, make_conv_2d_int8, {bytes_of(I8(25, 1))}) == want);
}

TEST_CASE("conv_2d int8 7x7 VALID on 7x7 is one dot product of 49 taps") {
  // x = 2 everywhere (zp 1 -> value 1), w = 1..49 mod 5 - 2 pattern; acc = sum(w) * 1.
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 7, 7, 1}, qp(1.0f, 1));
  I8 w(49);
  int32_t sum = 0;
  for (int i = 0; i < 49; ++i) sum += (w[static_cast<size_t>(i)] = static_cast<int8_t>(i % 5 - 2));
  const TensorId f = add_const<int8_t>(g, {1, 7, 7, 1}, w, qp(1.0f, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 1, 1, 1}, qp(1.0f, 0));
  Conv2DOptions o;
  o.padding = Padding::Valid;
  test::add_one_op(g, OpKind::Conv2D, o, {in, f, kNoTensor}, {out});
  // 49 taps of i%5-2: ten full cycles (-2..2, sum 0) + i=45..48 -> 45%5=0..3 -> -2-1+0+1 = -2.
  REQUIRE(sum == -2);
  CHECK(run_kernel<int8_t>(g, make_conv_2d_int8_reference, {bytes_of(I8(49, 2))}) == I8{-2});
  CHECK(run_kernel<int8_t>(g, make_conv_2d_int8, {bytes_of(I8(49, 2))}) == I8{-2});
}

TEST_CASE("depthwise_conv_2d int8 with depth multiplier 2") {
  // in [3, -2] (2 channels), filter [1,2,3,4]: out channel ic*2+m reads input ic:
  // c0 = 3*1, c1 = 3*2, c2 = -2*3, c3 = -2*4.
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 1, 1, 2}, qp(1.0f, 0));
  const TensorId f = add_const<int8_t>(g, {1, 1, 1, 4}, I8{1, 2, 3, 4}, test::qp_channels({1.0f, 1.0f, 1.0f, 1.0f}, 3));
  const TensorId b = add_const<int32_t>(g, {4}, {0, 1, 0, -1}, test::qp_channels({1.0f, 1.0f, 1.0f, 1.0f}, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 1, 1, 4}, qp(1.0f, 0));
  DepthwiseConv2DOptions o;
  o.padding = Padding::Valid;
  o.depth_multiplier = 2;
  test::add_one_op(g, OpKind::DepthwiseConv2D, o, {in, f, b}, {out});
  const I8 want{3, 7, -6, -9};  // with bias [0, 1, 0, -1]
  CHECK(run_kernel<int8_t>(g, make_depthwise_conv_2d_int8_reference, {bytes_of(I8{3, -2})}) == want);
  CHECK(run_kernel<int8_t>(g, make_depthwise_conv_2d_int8, {bytes_of(I8{3, -2})}) == want);
}

TEST_CASE("add/sub int8 saturate at the int8 range") {
  // s=1 everywhere: 100 + 100 = 200 -> 127; -100 - 100 = -200 -> -128; 3 + 4 = 7.
  for (OpKind kind : {OpKind::Add, OpKind::Sub}) {
    Graph g;
    const TensorId a = add_act(g, DType::Int8, {3}, qp(1.0f, 0));
    const TensorId b = add_act(g, DType::Int8, {3}, qp(1.0f, 0));
    const TensorId out = add_act(g, DType::Int8, {3}, qp(1.0f, 0));
    test::add_one_op(g, kind, ElementwiseOptions{}, {a, b}, {out});
    if (kind == OpKind::Add)
      CHECK(run_kernel<int8_t>(g, make_add_int8, {bytes_of(I8{100, -100, 3}), bytes_of(I8{100, -100, 4})}) ==
            I8{127, -128, 7});
    else
      CHECK(run_kernel<int8_t>(g, make_add_int8, {bytes_of(I8{100, -100, 3}), bytes_of(I8{-100, 100, 4})}) ==
            I8{127, -128, -1});
  }
}

TEST_CASE("mul int8 broadcasts a scalar") {
  // [2, -3, 50] * [3] with s_out = 1: 6, -9, 150 -> 127.
  Graph g;
  const TensorId a = add_act(g, DType::Int8, {1, 3}, qp(1.0f, 0));
  const TensorId b = add_act(g, DType::Int8, {1}, qp(1.0f, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 3}, qp(1.0f, 0));
  test::add_one_op(g, OpKind::Mul, ElementwiseOptions{}, {a, b}, {out});
  CHECK(run_kernel<int8_t>(g, make_mul_int8, {bytes_of(I8{2, -3, 50}), bytes_of(I8{3})}) == I8{6, -9, 127});
}

TEST_CASE("softmax, logistic and tanh int8 on values known exactly") {
  {  // four equal logits: each 1/4 = 64/256 -> 64 - 128 = -64.
    Graph g;
    const TensorId in = add_act(g, DType::Int8, {1, 4}, qp(0.1f, 0));
    const TensorId out = add_act(g, DType::Int8, {1, 4}, qp(1.0f / 256, -128));
    test::add_one_op(g, OpKind::Softmax, SoftmaxOptions{}, {in}, {out});
    CHECK(run_kernel<int8_t>(g, make_softmax_int8, {bytes_of(I8{7, 7, 7, 7})}) == I8{-64, -64, -64, -64});
    // One logit far above the others (diff -127 * 0.1 = -12.7): ~1.0 -> 127 (255 - 128), the rest ~0 -> -128.
    CHECK(run_kernel<int8_t>(g, make_softmax_int8, {bytes_of(I8{127, 0, 0, 0})}) == I8{127, -128, -128, -128});
  }
  {  // logistic(0) = 0.5 -> 128/256 - 128 = 0; saturated ends.
    Graph g;
    const TensorId in = add_act(g, DType::Int8, {3}, qp(0.5f, 0));
    const TensorId out = add_act(g, DType::Int8, {3}, qp(1.0f / 256, -128));
    test::add_one_op(g, OpKind::Logistic, std::monostate{}, {in}, {out});
    CHECK(run_kernel<int8_t>(g, make_logistic_int8, {bytes_of(I8{0, 127, -128})}) == I8{0, 127, -128});
  }
  {  // tanh(0) = 0; tanh(+-63.5) saturates to 127/-128.
    Graph g;
    const TensorId in = add_act(g, DType::Int8, {3}, qp(0.5f, 0));
    const TensorId out = add_act(g, DType::Int8, {3}, qp(1.0f / 128, 0));
    test::add_one_op(g, OpKind::Tanh, std::monostate{}, {in}, {out});
    CHECK(run_kernel<int8_t>(g, make_tanh_int8, {bytes_of(I8{0, 127, -128})}) == I8{0, 127, -128});
  }
}

TEST_CASE("average and max pool int8: stride 2 SAME on a 3x3 input") {
  // 3x3 input 1..9, 2x2 window stride 2 SAME: out 2x2, total pad (2-1)*2+2-3 = 1 -> 0 before.
  // avg: (1+2+4+5)/4 = 3, (3+6)/2 = 4.5 -> 5, (7+8)/2 = 7.5 -> 8, 9. max: 5, 6, 8, 9.
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 3, 3, 1}, qp(1.0f, 0));
  const TensorId out = add_act(g, DType::Int8, {1, 2, 2, 1}, qp(1.0f, 0));
  Pool2DOptions o;
  o.padding = Padding::Same;
  o.stride_h = o.stride_w = 2;
  o.filter_h = o.filter_w = 2;
  test::add_one_op(g, OpKind::AveragePool2D, o, {in}, {out});
  const I8 x{1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK(run_kernel<int8_t>(g, make_average_pool_2d_int8, {bytes_of(x)}) == I8{3, 5, 8, 9});
  g.ops[0].kind = OpKind::MaxPool2D;
  CHECK(run_kernel<int8_t>(g, make_max_pool_2d_int8, {bytes_of(x)}) == I8{5, 6, 8, 9});
  // Negative averages round away from zero: -(3+6)/2 = -4.5 -> -5.
  const I8 neg{-1, -2, -3, -4, -5, -6, -7, -8, -9};
  g.ops[0].kind = OpKind::AveragePool2D;
  CHECK(run_kernel<int8_t>(g, make_average_pool_2d_int8, {bytes_of(neg)}) == I8{-3, -5, -8, -9});
}

TEST_CASE("quantize (requantize) and dequantize int8") {
  // s 0.5 zp 0 -> s 0.25 zp 10: x * 2 + 10; 100 -> 210 -> 127.
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {3}, qp(0.5f, 0));
  const TensorId out = add_act(g, DType::Int8, {3}, qp(0.25f, 10));
  test::add_one_op(g, OpKind::Quantize, std::monostate{}, {in}, {out});
  CHECK(run_kernel<int8_t>(g, make_quantize_int8, {bytes_of(I8{1, -3, 100})}) == I8{12, 4, 127});
  Graph d;
  const TensorId din = add_act(d, DType::Int8, {2}, qp(0.5f, -1));
  Tensor fo;
  fo.name = "f";
  fo.shape = {2};
  const TensorId dout = d.add_tensor(fo);
  test::add_one_op(d, OpKind::Dequantize, std::monostate{}, {din}, {dout});
  CHECK(run_kernel<float>(d, make_dequantize_int8, {bytes_of(I8{3, -128})}) == std::vector<float>{2.0f, -63.5f});
}

TEST_CASE("an unsupported dtype combination names the op and its dtypes") {
  Graph g;
  const TensorId in = add_act(g, DType::Int8, {1, 2}, qp(0.5f, 0));
  const TensorId w = add_const<int8_t>(g, {1, 2}, {3, 4}, qp(0.25f, 0));
  const TensorId out = add_act(g, DType::Int16, {1, 1}, qp(1.0f, 0));
  test::add_one_op(g, OpKind::FullyConnected, FullyConnectedOptions{}, {in, w, kNoTensor}, {out});
  auto k = make_fully_connected_int8(g, 0);
  REQUIRE_FALSE(k.has_value());
  CHECK(k.error().code == Errc::Unsupported);
  const std::string msg = k.error().to_string();
  CHECK(msg.find("op #0") != std::string::npos);
  CHECK(msg.find("FULLY_CONNECTED") != std::string::npos);
  CHECK(msg.find("int8 x int8 x none -> int16") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
