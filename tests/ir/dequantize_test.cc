// tests/ir/dequantize_test.cc: dequantized_values and dequantize_hybrid_weights on hand-built tensors, values
// worked out in the comments (real = scale[c] * (q - zero_point[c])).
#include <doctest/doctest.h>

#include "ir/dequantize.h"

namespace tinyopt {
namespace {

Tensor constant_int8(Shape shape, std::vector<int8_t> v, QuantParams q) {
  Tensor t;
  t.name = "w";
  t.shape = std::move(shape);
  t.set_values<int8_t>(v);
  t.quant = std::move(q);
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.values<float>().begin(), t.values<float>().end()}; }

TEST_CASE("dequantized_values: per-channel int8 along axis 0, uint8, float16") {
  // [2,2], scales {0.5, 0.25} on axis 0, zero points {0, 2}: row 0 -> 0.5*q, row 1 -> 0.25*(q-2).
  const Tensor w = constant_int8({2, 2}, {2, -4, 6, 2}, {.scale = {0.5f, 0.25f}, .zero_point = {0, 2}, .axis = 0});
  CHECK(*dequantized_values(w) == std::vector<float>{1.0f, -2.0f, 1.0f, 0.0f});
  // Axis 1 of [2,2]: columns alternate scales: 0.5*(2-0), 0.25*(-4-2), 0.5*(6-0), 0.25*(2-2).
  Tensor cols = w;
  cols.quant->axis = 1;
  CHECK(*dequantized_values(cols) == std::vector<float>{1.0f, -1.5f, 3.0f, 0.0f});
  Tensor u;
  u.shape = {2};
  u.set_values<uint8_t>(std::vector<uint8_t>{128, 130});
  u.quant = QuantParams{.scale = {0.5f}, .zero_point = {128}};
  CHECK(*dequantized_values(u) == std::vector<float>{0.0f, 1.0f});
  Tensor h;
  h.shape = {2};
  h.dtype = DType::Float16;
  h.data = {0x00, 0x3c, 0x00, 0xc0};  // little-endian binary16 1.0 and -2.0
  h.is_constant = true;
  CHECK(*dequantized_values(h) == std::vector<float>{1.0f, -2.0f});
  Tensor no_params = w;
  no_params.quant.reset();
  CHECK_FALSE(dequantized_values(no_params));
  Tensor bad_axis = w;
  bad_axis.quant->axis = 2;
  CHECK_FALSE(dequantized_values(bad_axis));
}

TEST_CASE("dequantize_hybrid_weights: float ops' quantized constants, not a DEQUANTIZE's input") {
  Graph g;
  Tensor x;
  x.name = "x";
  x.shape = {1, 2};
  const TensorId in = g.add_tensor(x);
  const TensorId w = g.add_tensor(constant_int8({2, 2}, {2, 4, 6, 8}, {.scale = {0.5f}, .zero_point = {0}}));
  const TensorId dq_in = g.add_tensor(constant_int8({2}, {1, 2}, {.scale = {1.0f}, .zero_point = {0}}));
  Tensor y = x;
  y.name = "y";
  const TensorId out = g.add_tensor(y);
  y.name = "dq";
  const TensorId dq_out = g.add_tensor(y);
  Op fc;
  fc.kind = OpKind::FullyConnected;
  fc.options = FullyConnectedOptions{};
  fc.inputs = {in, w};
  fc.outputs = {out};
  g.add_op(fc);
  Op dq;
  dq.kind = OpKind::Dequantize;
  dq.inputs = {dq_in};
  dq.outputs = {dq_out};
  g.add_op(dq);
  CHECK(dequantize_hybrid_weights(g) == 1);
  CHECK(g.tensor(w).dtype == DType::Float32);
  CHECK_FALSE(g.tensor(w).quant);
  CHECK(values(g.tensor(w)) == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
  CHECK(g.tensor(dq_in).dtype == DType::Int8);  // DEQUANTIZE converts it at run time
  CHECK(dequantize_hybrid_weights(g) == 0);
}

}  // namespace
}  // namespace tinyopt
