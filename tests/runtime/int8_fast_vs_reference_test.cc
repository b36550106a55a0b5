// tests/runtime/int8_fast_vs_reference_test.cc: the fast CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED int8 kernels
// against the reference kernels (the bit-exact oracle) on seeded random shapes, strides, dilations, paddings,
// zero points, per-channel scales and fused activations, in every ISA variant (tests/runtime/isa_variants.h). Every
// output byte must agree; the seed, case and variant are in the failure message.
#include <algorithm>
#include <cmath>
#include <random>

#include <doctest/doctest.h>

#include "runtime/kernels/int8_kernels.h"
#include "tests/runtime/int8_test_graph.h"
#include "tests/runtime/isa_variants.h"

namespace tinyopt {
namespace {

using test::add_act;
using test::add_const;
using test::qp;

struct Rng {
  std::mt19937 gen;
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
  float scale() { return std::exp2(std::uniform_real_distribution<float>(-9.0f, -2.0f)(gen)); }
  std::vector<int8_t> int8s(size_t n, int lo = -128, int hi = 127) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(uniform(lo, hi));
    return v;
  }
};

Activation random_activation(Rng& r) {
  const Activation a[] = {Activation::None, Activation::Relu, Activation::Relu6, Activation::ReluN1To1};
  return a[r.uniform(0, 3)];
}

TEST_CASE("fast int8 kernels equal the reference kernels on random shapes") {
  constexpr uint32_t kSeed = 20240917;
  Rng r{std::mt19937(kSeed)};
  for (int iter = 0; iter < 60; ++iter) {
    const int kind = iter % 3;  // 0 conv, 1 depthwise, 2 fully connected
    Graph g;
    const int batches = r.uniform(1, 2), h = r.uniform(1, 11), w = r.uniform(1, 11), c = r.uniform(1, 20);
    const float s_in = r.scale() * 64, s_out = r.scale() * 64;
    const int zp_in = r.uniform(-128, 127), zp_out = r.uniform(-128, 127);
    const bool per_channel = r.uniform(0, 1) == 1;
    INFO("seed " << kSeed << " iteration " << iter << " kind " << kind);
    KernelFactory fast = nullptr, ref = nullptr;
    int64_t in_elems = 0;
    if (kind == 0 || kind == 1) {
      const int kh = r.uniform(1, 7), kw = r.uniform(1, 7);
      const int stride = r.uniform(1, 3), dilation = r.uniform(1, 2);
      const Padding pad = r.uniform(0, 1) ? Padding::Same : Padding::Valid;
      const int eff_h = (kh - 1) * dilation + 1, eff_w = (kw - 1) * dilation + 1;
      if (pad == Padding::Valid && (eff_h > h || eff_w > w)) continue;
      const int out_h = pad == Padding::Same ? (h + stride - 1) / stride : (h - eff_h + stride) / stride;
      const int out_w = pad == Padding::Same ? (w + stride - 1) / stride : (w - eff_w + stride) / stride;
      const int out_c = kind == 0 ? r.uniform(1, 40) : c;
      std::vector<float> scales(per_channel ? static_cast<size_t>(out_c) : 1);
      for (float& s : scales) s = r.scale();
      const TensorId in = add_act(g, DType::Int8, {batches, h, w, c}, qp(s_in, zp_in));
      const Shape fshape = kind == 0 ? Shape{out_c, kh, kw, c} : Shape{1, kh, kw, out_c};
      const TensorId f = add_const<int8_t>(g, fshape, r.int8s(static_cast<size_t>(num_elements(fshape)), -127, 127),
                                           test::qp_channels(scales, kind == 0 ? 0 : 3));
      std::vector<int32_t> bias(static_cast<size_t>(out_c));
      for (auto& b : bias) b = r.uniform(-20000, 20000);
      const TensorId b = add_const<int32_t>(g, {out_c}, bias);
      const TensorId out = add_act(g, DType::Int8, {batches, out_h, out_w, out_c}, qp(s_out, zp_out));
      if (kind == 0) {
        Conv2DOptions o{pad, stride, stride, random_activation(r), dilation, dilation};
        test::add_one_op(g, OpKind::Conv2D, o, {in, f, b}, {out});
        fast = make_conv_2d_int8;
        ref = make_conv_2d_int8_reference;
      } else {
        DepthwiseConv2DOptions o{pad, stride, stride, 1, random_activation(r), dilation, dilation};
        test::add_one_op(g, OpKind::DepthwiseConv2D, o, {in, f, b}, {out});
        fast = make_depthwise_conv_2d_int8;
        ref = make_depthwise_conv_2d_int8_reference;
      }
      in_elems = static_cast<int64_t>(batches) * h * w * c;
    } else {
      const int depth = r.uniform(1, 300), units = r.uniform(1, 40);
      std::vector<float> scales(per_channel ? static_cast<size_t>(units) : 1);
      for (float& s : scales) s = r.scale();
      const TensorId in = add_act(g, DType::Int8, {batches, depth}, qp(s_in, zp_in));
      const TensorId f = add_const<int8_t>(g, {units, depth}, r.int8s(static_cast<size_t>(units) * depth, -127, 127),
                                           test::qp_channels(scales, 0));
      const TensorId out = add_act(g, DType::Int8, {batches, units}, qp(s_out, zp_out));
      FullyConnectedOptions o;
      o.activation = random_activation(r);
      test::add_one_op(g, OpKind::FullyConnected, o, {in, f, kNoTensor}, {out});
      fast = make_fully_connected_int8;
      ref = make_fully_connected_int8_reference;
      in_elems = static_cast<int64_t>(batches) * depth;
    }
    const auto x = test::bytes_of(r.int8s(static_cast<size_t>(in_elems)));
    const auto want = test::run_kernel<int8_t>(g, ref, {x});
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      CHECK(test::run_kernel<int8_t>(g, fast, {x}) == want);
    }
  }
}

// The fast depthwise kernel splits rows into stride phases and repeats input channels depth_multiplier times:
// cover depth multipliers 1-4, unequal strides and dilations, in_c = 1 (person_detect's first layer: 96x96x1,
// depth multiplier 8, stride 2), in_c = 16 and 32, widths that are not multiples of the stride, and SAME padding
// wider than a stride (the zero slots before and after each phase's pixels).
TEST_CASE("fast depthwise int8 equals the reference with depth multipliers, unequal strides and dilations") {
  constexpr uint32_t kSeed = 20261125;
  Rng r{std::mt19937(kSeed)};
  for (int iter = 0; iter < 80; ++iter) {
    INFO("seed " << kSeed << " iteration " << iter);
    const int batches = r.uniform(1, 2), h = r.uniform(1, 13), w = r.uniform(1, 13);
    // Every fourth: one input channel with multiplier 8 or 16 (the widening's broadcast path); every fourth after
    // it, 16 or 32 channels with multiplier 1 (the AVX2 widening's 16-channel steps).
    const int c = iter % 4 == 0 ? 1 : iter % 4 == 1 ? 16 * r.uniform(1, 2) : r.uniform(1, 12);
    const int dm = iter % 4 == 0 ? (iter % 8 == 0 ? 8 : 16) : iter % 4 == 1 ? 1 : r.uniform(1, 4);
    const int kh = r.uniform(1, 5), kw = r.uniform(1, 5);
    const int stride_h = r.uniform(1, 3), stride_w = r.uniform(1, 3);
    const int dil_h = r.uniform(1, 2), dil_w = r.uniform(1, 2);
    const Padding pad = r.uniform(0, 2) ? Padding::Same : Padding::Valid;
    const int eff_h = (kh - 1) * dil_h + 1, eff_w = (kw - 1) * dil_w + 1;
    if (pad == Padding::Valid && (eff_h > h || eff_w > w)) continue;
    const int out_h = pad == Padding::Same ? (h + stride_h - 1) / stride_h : (h - eff_h + stride_h) / stride_h;
    const int out_w = pad == Padding::Same ? (w + stride_w - 1) / stride_w : (w - eff_w + stride_w) / stride_w;
    const int out_c = c * dm;
    Graph g;
    const bool per_channel = r.uniform(0, 1) == 1;
    std::vector<float> scales(per_channel ? static_cast<size_t>(out_c) : 1);
    for (float& s : scales) s = r.scale();
    const TensorId in = add_act(g, DType::Int8, {batches, h, w, c}, qp(r.scale() * 64, r.uniform(-128, 127)));
    const Shape fshape{1, kh, kw, out_c};
    const TensorId f = add_const<int8_t>(g, fshape, r.int8s(static_cast<size_t>(num_elements(fshape)), -127, 127),
                                         test::qp_channels(scales, 3));
    std::vector<int32_t> bias(static_cast<size_t>(out_c));
    for (auto& b : bias) b = r.uniform(-20000, 20000);
    const TensorId b = add_const<int32_t>(g, {out_c}, bias);
    const TensorId out = add_act(g, DType::Int8, {batches, out_h, out_w, out_c}, qp(r.scale() * 64, r.uniform(-128, 127)));
    DepthwiseConv2DOptions o{pad, stride_w, stride_h, dm, random_activation(r), dil_w, dil_h};
    test::add_one_op(g, OpKind::DepthwiseConv2D, o, {in, f, b}, {out});
    const auto x = test::bytes_of(r.int8s(static_cast<size_t>(batches) * h * w * c));
    const auto want = test::run_kernel<int8_t>(g, make_depthwise_conv_2d_int8_reference, {x});
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      CHECK(test::run_kernel<int8_t>(g, make_depthwise_conv_2d_int8, {x}) == want);
    }
  }
}

// The row routes of the fast CONV_2D: 1x1 stride 1 without padding (one run per block when in_c is even, per row
// when odd: the row is padded to the GEMM depth); every other shape reads the padded image in place with int16
// rows (avx2, portable) and takes im2col with uint8 rows (the VNNI layout's emulation): interior segments of
// output rows, filter rows clipped at the border, dilations. Blocks of 64 pixels are crossed.
TEST_CASE("fast CONV_2D int8: pointwise, interior-segment and border im2col equal the reference") {
  constexpr uint32_t kSeed = 20261202;
  Rng r{std::mt19937(kSeed)};
  struct Case { int batches, h, w, c, out_c, k, stride, dilation; Padding pad; };
  const Case cases[] = {{1, 12, 12, 8, 16, 1, 1, 1, Padding::Same},  {2, 9, 10, 3, 5, 1, 1, 1, Padding::Valid},
                        {1, 11, 7, 6, 9, 1, 2, 1, Padding::Same},   {1, 12, 12, 16, 16, 3, 1, 1, Padding::Same},
                        {2, 8, 9, 3, 8, 3, 2, 1, Padding::Same},    {1, 10, 10, 4, 7, 5, 1, 1, Padding::Valid},
                        {1, 9, 9, 5, 6, 3, 1, 2, Padding::Same},
                        // Interior segments of whole output rows, cut by the 64-row blocks: fmnist's first conv
                        // (runs of 3), runs of 48 (3 x 16 channels) and 20 (16 + an overlapping 16), vww's first
                        // conv shape (3 channels, stride 2), 2 x 3 rows of a 5-wide filter, a tall dilation.
                        {1, 28, 28, 1, 16, 3, 1, 1, Padding::Same}, {2, 14, 14, 16, 32, 3, 1, 1, Padding::Same},
                        {2, 17, 13, 5, 7, 4, 1, 1, Padding::Same},  {1, 21, 20, 3, 8, 3, 2, 1, Padding::Same},
                        {1, 13, 40, 2, 4, 5, 1, 1, Padding::Valid}, {1, 16, 12, 4, 6, 3, 1, 3, Padding::Same}};
  for (const Case& cs : cases) {
    INFO("case " << cs.h << "x" << cs.w << "x" << cs.c << " k " << cs.k << " stride " << cs.stride);
    const int eff = (cs.k - 1) * cs.dilation + 1;
    const int out_h = cs.pad == Padding::Same ? (cs.h + cs.stride - 1) / cs.stride : (cs.h - eff + cs.stride) / cs.stride;
    const int out_w = cs.pad == Padding::Same ? (cs.w + cs.stride - 1) / cs.stride : (cs.w - eff + cs.stride) / cs.stride;
    Graph g;
    std::vector<float> scales(static_cast<size_t>(cs.out_c));
    for (float& s : scales) s = r.scale();
    const TensorId in = add_act(g, DType::Int8, {cs.batches, cs.h, cs.w, cs.c}, qp(r.scale() * 64, r.uniform(-128, 127)));
    const Shape fshape{cs.out_c, cs.k, cs.k, cs.c};
    const TensorId f = add_const<int8_t>(g, fshape, r.int8s(static_cast<size_t>(num_elements(fshape)), -127, 127),
                                         test::qp_channels(scales, 0));
    std::vector<int32_t> bias(static_cast<size_t>(cs.out_c));
    for (auto& b : bias) b = r.uniform(-20000, 20000);
    const TensorId b = add_const<int32_t>(g, {cs.out_c}, bias);
    const TensorId out = add_act(g, DType::Int8, {cs.batches, out_h, out_w, cs.out_c}, qp(r.scale() * 64, r.uniform(-128, 127)));
    Conv2DOptions o{cs.pad, cs.stride, cs.stride, random_activation(r), cs.dilation, cs.dilation};
    test::add_one_op(g, OpKind::Conv2D, o, {in, f, b}, {out});
    const auto x = test::bytes_of(r.int8s(static_cast<size_t>(cs.batches) * cs.h * cs.w * cs.c));
    const auto want = test::run_kernel<int8_t>(g, make_conv_2d_int8_reference, {x});
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      CHECK(test::run_kernel<int8_t>(g, make_conv_2d_int8, {x}) == want);
    }
  }
}

// MAX_POOL_2D keeps 16 channels per vector and clips the window to the image: against the per-channel walk of
// TFLM's reference (written out here), on channel counts around 16 and 32, SAME and VALID, strides, the fused
// clamps, int8 and int16, in every ISA variant.
TEST_CASE("MAX_POOL_2D int8/int16 equals the reference's per-channel walk over the clipped window") {
  constexpr uint32_t kSeed = 20261203;
  Rng r{std::mt19937(kSeed)};
  for (int iter = 0; iter < 40; ++iter) {
    const bool int16 = iter % 4 == 3;
    const int batches = r.uniform(1, 2), h = r.uniform(1, 13), w = r.uniform(1, 13);
    const int c = std::vector<int>{1, 3, 15, 16, 17, 32, 37}[static_cast<size_t>(r.uniform(0, 6))];
    Pool2DOptions o;
    o.padding = r.uniform(0, 1) ? Padding::Same : Padding::Valid;
    o.filter_h = r.uniform(1, 4), o.filter_w = r.uniform(1, 4);
    o.stride_h = r.uniform(1, 3), o.stride_w = r.uniform(1, 3);
    o.activation = random_activation(r);
    if (o.padding == Padding::Valid && (o.filter_h > h || o.filter_w > w)) continue;
    const int out_h = o.padding == Padding::Same ? (h + o.stride_h - 1) / o.stride_h : (h - o.filter_h + o.stride_h) / o.stride_h;
    const int out_w = o.padding == Padding::Same ? (w + o.stride_w - 1) / o.stride_w : (w - o.filter_w + o.stride_w) / o.stride_w;
    const int pad_h = o.padding == Padding::Same ? std::max(0, ((out_h - 1) * o.stride_h + o.filter_h - h) / 2) : 0;
    const int pad_w = o.padding == Padding::Same ? std::max(0, ((out_w - 1) * o.stride_w + o.filter_w - w) / 2) : 0;
    INFO("seed " << kSeed << " iteration " << iter);
    const DType dt = int16 ? DType::Int16 : DType::Int8;
    const float scale = 0.05f;
    const int zp = int16 ? 0 : r.uniform(-20, 20);
    Graph g;
    const TensorId in = add_act(g, dt, {batches, h, w, c}, qp(scale, zp));
    const TensorId out = add_act(g, dt, {batches, out_h, out_w, c}, qp(scale, zp));
    test::add_one_op(g, OpKind::MaxPool2D, o, {in}, {out});
    const int lowest = int16 ? -32768 : -128, highest = int16 ? 32767 : 127;
    // The fused activation's range in the quantized domain (TFLite: round(bound / scale) + zero point, clamped).
    auto q = [&](float v) { return std::clamp(static_cast<int>(std::round(v / scale)) + zp, lowest, highest); };
    int lo = lowest, hi = highest;
    if (o.activation == Activation::Relu) lo = q(0);
    if (o.activation == Activation::Relu6) lo = q(0), hi = q(6);
    if (o.activation == Activation::ReluN1To1) lo = q(-1), hi = q(1);
    std::vector<int> x(static_cast<size_t>(batches) * h * w * c);
    for (int& v : x) v = r.uniform(int16 ? -3000 : lowest, int16 ? 3000 : highest);
    std::vector<int> want;
    for (int b = 0; b < batches; ++b)
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox)
          for (int ch = 0; ch < c; ++ch) {
            int m = lowest;
            for (int fy = 0; fy < o.filter_h; ++fy)
              for (int fx = 0; fx < o.filter_w; ++fx) {
                const int iy = oy * o.stride_h - pad_h + fy, ix = ox * o.stride_w - pad_w + fx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                  m = std::max(m, x[static_cast<size_t>(((b * h + iy) * w + ix) * c + ch)]);
              }
            want.push_back(std::clamp(m, lo, hi));
          }
    for (const test::IsaVariant& v : test::isa_variants()) {
      CAPTURE(v.name);
      const test::ScopedIsaVariant scoped(v);
      std::vector<int> got;
      if (int16) {
        const std::vector<int16_t> x16(x.begin(), x.end());
        for (int16_t y : test::run_kernel<int16_t>(g, make_max_pool_2d_int8, {test::bytes_of(x16)})) got.push_back(y);
      } else {
        const std::vector<int8_t> x8(x.begin(), x.end());
        for (int8_t y : test::run_kernel<int8_t>(g, make_max_pool_2d_int8, {test::bytes_of(x8)})) got.push_back(y);
      }
      CHECK(got == want);
    }
  }
}

// ADD/SUB int8 on operands of one shape use input tables and the vectorised output stage; the broadcasting loop
// (taken when b has an extra leading 1) is the oracle. Lengths cross the 256-element chunks.
TEST_CASE("same-shape int8 ADD/SUB equal the broadcasting loop") {
  constexpr uint32_t kSeed = 7;
  Rng r{std::mt19937(kSeed)};
  for (int iter = 0; iter < 40; ++iter) {
    INFO("seed " << kSeed << " iteration " << iter);
    const int n = r.uniform(1, 700);
    const OpKind kind = iter % 2 ? OpKind::Sub : OpKind::Add;
    const QuantParams qa = qp(r.scale() * 64, r.uniform(-128, 127)), qb = qp(r.scale() * 64, r.uniform(-128, 127));
    const QuantParams qo = qp(r.scale() * 128, r.uniform(-128, 127));
    const Activation act = random_activation(r);
    const auto xa = test::bytes_of(r.int8s(static_cast<size_t>(n)));
    const auto xb = test::bytes_of(r.int8s(static_cast<size_t>(n)));
    std::vector<int8_t> results[2];
    for (int broadcast = 0; broadcast < 2; ++broadcast) {
      Graph g;
      const TensorId a = add_act(g, DType::Int8, {1, n}, qa);
      const TensorId b = add_act(g, DType::Int8, broadcast ? Shape{1, 1, n} : Shape{1, n}, qb);
      const TensorId out = add_act(g, DType::Int8, broadcast ? Shape{1, 1, n} : Shape{1, n}, qo);
      ElementwiseOptions o;
      o.activation = act;
      test::add_one_op(g, kind, o, {a, b}, {out});
      auto k = make_add_int8(g, 0);
      if (!k) break;  // output scale too small for this draw: refused either way
      results[broadcast] = test::run_kernel<int8_t>(g, make_add_int8, {xa, xb});
      for (const test::IsaVariant& v : test::isa_variants()) {  // the output stage's loops per ISA
        CAPTURE(v.name);
        const test::ScopedIsaVariant scoped(v);
        CHECK(test::run_kernel<int8_t>(g, make_add_int8, {xa, xb}) == results[broadcast]);
      }
    }
    CHECK(results[0] == results[1]);
  }
}

}  // namespace
}  // namespace tinyopt
