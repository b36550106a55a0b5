// tests/reports/model_stats_test.cc: MAC, parameter and weight-byte counting, checked by hand on tiny graphs and
// against the figure the fmnist model's README states.
#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "reports/model_stats.h"
#include "tests/shared_data.h"

using namespace tinyopt;

namespace {

Tensor make_tensor(const char* name, DType dtype, Shape shape) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

TensorId activation(Graph& g, const char* name, Shape shape) {
  return g.add_tensor(make_tensor(name, DType::Float32, std::move(shape)));
}

TensorId constant(Graph& g, const char* name, Shape shape, DType dtype = DType::Float32) {
  Tensor t = make_tensor(name, dtype, std::move(shape));
  t.data.resize(t.byte_size());
  t.is_constant = true;
  return g.add_tensor(std::move(t));
}

}  // namespace

TEST_CASE("model_stats: conv, depthwise, fully connected and a reshape counted by hand") {
  Graph g;
  const TensorId in = activation(g, "in", {1, 8, 8, 3});
  const TensorId w = constant(g, "w", {4, 3, 3, 3});    // 108 weights
  const TensorId b = constant(g, "b", {4});             // 4 biases
  const TensorId c = activation(g, "c", {1, 4, 4, 4});  // stride 2
  const TensorId dw = constant(g, "dw", {1, 3, 3, 4});  // 36 weights, no bias
  const TensorId d = activation(g, "d", {1, 4, 4, 4});
  const TensorId shape = constant(g, "shape", {2}, DType::Int32);
  const TensorId r = activation(g, "r", {1, 64});
  const TensorId fw = constant(g, "fw", {10, 64});      // 640 weights
  const TensorId out = activation(g, "out", {1, 10});
  g.add_op(Op{.kind = OpKind::Conv2D, .options = Conv2DOptions{.stride_w = 2, .stride_h = 2, .activation = Activation::Relu},
              .inputs = {in, w, b}, .outputs = {c}});
  g.add_op(Op{.kind = OpKind::DepthwiseConv2D, .options = DepthwiseConv2DOptions{}, .inputs = {c, dw, kNoTensor}, .outputs = {d}});
  g.add_op(Op{.kind = OpKind::Reshape, .options = ReshapeOptions{}, .inputs = {d, shape}, .outputs = {r}});
  g.add_op(Op{.kind = OpKind::FullyConnected, .options = FullyConnectedOptions{}, .inputs = {r, fw, kNoTensor}, .outputs = {out}});
  g.add_op(Op{.kind = OpKind::Add, .options = ElementwiseOptions{}, .inputs = {out, b}, .outputs = {activation(g, "sum", {1, 10})}});

  const ModelStats s = compute_model_stats(g);
  REQUIRE(s.ops.size() == 5);
  // conv: 1*4*4*4 outputs x 3*3*3 = 64 x 27 = 1728 MACs; 108 + 4 = 112 parameters, 448 bytes.
  CHECK(s.ops[0].macs == 1728);
  CHECK(s.ops[0].parameters == 112);
  CHECK(s.ops[0].weight_bytes == 448);
  CHECK(s.ops[0].params == std::vector<std::pair<std::string, std::string>>{
                               {"kernel", "3x3"}, {"filters", "4"}, {"stride", "2x2"}, {"padding", "SAME"}, {"act", "RELU"}});
  // depthwise: 64 outputs x 3*3 = 576 MACs; 36 parameters.
  CHECK(s.ops[1].macs == 576);
  CHECK(s.ops[1].parameters == 36);
  // reshape: the shape operand is not a parameter.
  CHECK(s.ops[2].macs == 0);
  CHECK(s.ops[2].parameters == 0);
  // fully connected: 10 outputs x depth 64 = 640 MACs, 640 parameters.
  CHECK(s.ops[3].macs == 640);
  CHECK(s.ops[3].parameters == 640);
  // ADD reads the conv's bias tensor again: already counted, so 0 here.
  CHECK(s.ops[4].parameters == 0);
  CHECK(s.total_macs == 1728 + 576 + 640);
  CHECK(s.total_parameters == 112 + 36 + 640);
  CHECK(s.total_weight_bytes == 4 * (112 + 36 + 640));
}

TEST_CASE("model_stats: describe_quant") {
  Tensor t = make_tensor("x", DType::Int8, {1});
  CHECK(describe_quant(t) == "-");
  t.quant = QuantParams{{0.5f}, {-3}, 0};
  CHECK(describe_quant(t) == "scale=0.5 zp=-3");
  t.quant = QuantParams{{0.5f, 0.25f}, {0, 0}, 3};
  CHECK(describe_quant(t) == "per-channel x2 (axis 3)");
}

TEST_CASE("model_stats: fmnist_cnn_float has the 105,866 parameters its README states") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("fmnist_cnn_float.tflite"));
  REQUIRE(g);
  const ModelStats s = compute_model_stats(*g);
  CHECK(s.total_parameters == 105866);
  // 28*28*16*9 + 14*14*32*9*16 + 64*1568 + 10*64
  CHECK(s.total_macs == 112896 + 903168 + 100352 + 640);
}
