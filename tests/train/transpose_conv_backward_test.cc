// tests/train/transpose_conv_backward_test.cc: the TRANSPOSE_CONV backward kernel against finite differences
// (tests/train/gradient_check.h) on small hand-built graphs: strides 1 and 2, SAME and VALID, a bias, fused RELU.
#include <doctest/doctest.h>

#include "ir/rng.h"
#include "tests/train/gradient_check.h"

namespace tinyopt {
namespace {

struct TransposeConvCase {
  int in_h, in_w, in_c, out_c, kh, kw, stride_h, stride_w;
  Padding padding;
  bool bias;
  Activation act;
};

// x [1, in_h, in_w, in_c] -> TRANSPOSE_CONV -> [1, out_h, out_w, out_c] with seeded float weights.
Graph transpose_conv_graph(const TransposeConvCase& c) {
  Graph g;
  Rng rng(11);
  auto tensor = [](const char* name, DType dtype, Shape shape) {
    Tensor t;
    t.name = name, t.dtype = dtype, t.shape = std::move(shape);
    return t;
  };
  auto floats = [&](const char* name, Shape shape, float scale) {
    Tensor t = tensor(name, DType::Float32, shape);
    std::vector<float> v(static_cast<size_t>(num_elements(shape)));
    for (float& e : v) e = rng.uniform(-scale, scale);
    t.set_values<float>(v);
    return g.add_tensor(t);
  };
  // Output size of the transposed convolution: the input size of the conv it inverts.
  const int out_h = c.padding == Padding::Valid ? (c.in_h - 1) * c.stride_h + c.kh : c.in_h * c.stride_h;
  const int out_w = c.padding == Padding::Valid ? (c.in_w - 1) * c.stride_w + c.kw : c.in_w * c.stride_w;
  Tensor shape_t = tensor("output_shape", DType::Int32, {4});
  shape_t.set_values<int32_t>(std::vector<int32_t>{1, out_h, out_w, c.out_c});
  const TensorId shape = g.add_tensor(shape_t);
  const TensorId w = floats("weights", {c.out_c, c.kh, c.kw, c.in_c}, 0.5f);
  const TensorId x = g.add_tensor(tensor("x", DType::Float32, {1, c.in_h, c.in_w, c.in_c}));
  const TensorId b = c.bias ? floats("bias", {c.out_c}, 0.2f) : kNoTensor;
  const TensorId y = g.add_tensor(tensor("y", DType::Float32, {1, out_h, out_w, c.out_c}));
  Op op;
  op.kind = OpKind::TransposeConv;
  op.options = TransposeConvOptions{.padding = c.padding, .stride_w = c.stride_w, .stride_h = c.stride_h,
                                    .activation = c.act};
  op.inputs = {shape, w, x};
  op.outputs = {y};
  if (c.bias) op.inputs.push_back(b);
  g.add_op(op);
  g.inputs = {x};
  g.outputs = {y};
  auto ok = g.validate();
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().to_string()));
  return g;
}

TEST_CASE("backward TRANSPOSE_CONV: strides 1 and 2, SAME and VALID, bias, fused RELU") {
  const TransposeConvCase cases[] = {
      {3, 3, 2, 3, 3, 3, 1, 1, Padding::Same, true, Activation::None},
      {2, 3, 2, 2, 3, 2, 2, 2, Padding::Valid, false, Activation::None},
      {3, 2, 3, 2, 2, 3, 2, 1, Padding::Same, true, Activation::Relu},
      {1, 5, 4, 3, 3, 4, 1, 2, Padding::Valid, true, Activation::None},  // seanet's 3x4 kernel, stride 1x2
  };
  for (const TransposeConvCase& c : cases) {
    CAPTURE(c.stride_h);
    CAPTURE(c.kh);
    test::check_gradients(transpose_conv_graph(c), {.input_scale = 2.f});
  }
}

}  // namespace
}  // namespace tinyopt
