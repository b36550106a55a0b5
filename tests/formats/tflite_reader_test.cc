// tests/formats/tflite_reader_test.cc: reading every model in ../shared/models: op sequences, tensors,
// quantization, metadata, and the hybrid kws_dscnn_float model read as float.
#include <doctest/doctest.h>

#include <cmath>

#include "formats/atomic_file.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/schema_generated.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

using K = OpKind;

std::vector<OpKind> kinds(const Graph& g) {
  std::vector<OpKind> out;
  for (const Op& op : g.ops) out.push_back(op.kind);
  return out;
}

Graph read_shared(const std::string& file) {
  Expected<Graph> g = read_tflite_file(test::shared_model(file));
  REQUIRE_MESSAGE(g.has_value(), file << ": " << (g ? "" : g.error().to_string()));
  return std::move(*g);
}

const std::vector<OpKind> kKwsOps = {K::Conv2D, K::DepthwiseConv2D, K::Conv2D, K::DepthwiseConv2D, K::Conv2D,
                                     K::DepthwiseConv2D, K::Conv2D, K::DepthwiseConv2D, K::Conv2D,
                                     K::AveragePool2D, K::Reshape, K::FullyConnected, K::Softmax};
const std::vector<OpKind> kResnetOps = {K::Conv2D, K::Conv2D, K::Conv2D, K::Add, K::Conv2D, K::Conv2D,
                                        K::Conv2D, K::Add, K::Conv2D, K::Conv2D, K::Conv2D, K::Add,
                                        K::AveragePool2D, K::Reshape, K::FullyConnected, K::Softmax};

std::vector<OpKind> person_detect_ops() {
  std::vector<OpKind> ops = {K::DepthwiseConv2D};  // first layer is a depthwise conv in this model
  for (int i = 0; i < 13; ++i) ops.insert(ops.end(), {K::DepthwiseConv2D, K::Conv2D});
  ops.insert(ops.end(), {K::AveragePool2D, K::Conv2D, K::Reshape, K::Softmax});
  return ops;
}

}  // namespace

TEST_CASE("tflite reader: every shared model reads with the expected op sequence") {
  SKIP_WITHOUT_SHARED();
  const std::vector<std::pair<std::string, std::vector<OpKind>>> models = {
      {"kws_dscnn_float.tflite", kKwsOps},
      {"kws_dscnn_int8.tflite", kKwsOps},
      {"ic_resnet8_float.tflite", kResnetOps},
      {"ic_resnet8_int8.tflite", kResnetOps},
      {"ad_autoencoder_float.tflite", std::vector<OpKind>(10, K::FullyConnected)},
      {"ad_autoencoder_int8.tflite", std::vector<OpKind>(10, K::FullyConnected)},
      {"hello_world_float.tflite", std::vector<OpKind>(3, K::FullyConnected)},
      {"hello_world_int8.tflite", std::vector<OpKind>(3, K::FullyConnected)},
      {"fmnist_cnn_float.tflite", {K::Conv2D, K::MaxPool2D, K::Conv2D, K::MaxPool2D, K::Reshape, K::FullyConnected,
                                   K::FullyConnected, K::Softmax}},
      {"person_detect_int8.tflite", person_detect_ops()},
  };
  for (const auto& model : models) {
    const std::string& file = model.first;  // not a structured binding: CAPTURE takes it in a lambda (clang 14)
    const auto& ops = model.second;
    CAPTURE(file);
    Graph g = read_shared(file);
    CHECK(kinds(g) == ops);
    CHECK(g.source == test::shared_model(file).string());
    CHECK(g.inputs.size() == 1);
    CHECK(g.outputs.size() == 1);
  }
}

TEST_CASE("tflite reader: fmnist_cnn_float tensors, options and metadata") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("fmnist_cnn_float.tflite");
  const Tensor& in = g.tensor(g.inputs[0]);
  CHECK(in.name == "input");
  CHECK(in.dtype == DType::Float32);
  CHECK(in.shape == Shape{1, 28, 28, 1});
  CHECK(g.tensor(g.outputs[0]).shape == Shape{1, 10});
  // README: CONV_2D 3x3 1->16 SAME +RELU, then MAX_POOL_2D 2x2/2.
  const auto& conv = g.ops[0].opts<Conv2DOptions>();
  CHECK(conv.padding == Padding::Same);
  CHECK(conv.activation == Activation::Relu);
  CHECK(conv.stride_w == 1);
  CHECK(g.tensor(g.ops[0].inputs[1]).shape == Shape{16, 3, 3, 1});
  const auto& pool = g.ops[1].opts<Pool2DOptions>();
  CHECK(pool.filter_w == 2);
  CHECK(pool.stride_h == 2);
  // 105,866 float parameters in all (README).
  int64_t params = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_constant && t.dtype == DType::Float32) params += t.num_elements();
  CHECK(params == 105866);
  REQUIRE(g.metadata.size() == 1);
  CHECK(g.metadata[0].name == "min_runtime_version");
  CHECK(std::string(reinterpret_cast<const char*>(g.metadata[0].data.data())) == "1.5.0");
  CHECK(g.description.find("fmnist_cnn") != std::string::npos);
}

TEST_CASE("tflite reader: kws_dscnn_float hybrid int8 weights are read as float32") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("kws_dscnn_float.tflite");
  for (const Tensor& t : g.tensors) {
    CAPTURE(t.name);
    CHECK(t.dtype != DType::Int8);
    CHECK(!t.quant.has_value());
  }
  // The first CONV_2D's weights: stored int8 [64,10,4,1] with one scale 0.002023... and zero point 0.
  const Tensor& w = g.tensor(g.ops[0].inputs[1]);
  CHECK(w.name == "functional_1/conv2d/Conv2D");
  CHECK(w.dtype == DType::Float32);
  CHECK(w.shape == Shape{64, 10, 4, 1});
  CHECK(w.data.size() == 64 * 10 * 4 * 4);
  // Compare with the stored int8 values and scale, read straight from the flatbuffer: real = scale * (q - 0).
  auto bytes = read_file(test::shared_model("kws_dscnn_float.tflite"));
  REQUIRE(bytes.has_value());
  const tflite::Model* m = tflite::GetModel(bytes->data());
  const tflite::Tensor* stored = m->subgraphs()->Get(0)->tensors()->Get(static_cast<uint32_t>(g.ops[0].inputs[1]));
  REQUIRE(stored->type() == tflite::TensorType::INT8);
  const float scale = stored->quantization()->scale()->Get(0);
  CHECK(scale == doctest::Approx(0.002023).epsilon(0.001));
  const auto* q = m->buffers()->Get(stored->buffer())->data();
  REQUIRE(q->size() == w.values<float>().size());
  for (size_t i = 0; i < q->size(); ++i) CHECK(w.values<float>()[i] == scale * static_cast<float>(static_cast<int8_t>(q->Get(i))));
}

TEST_CASE("tflite reader: hello_world_int8 quantization parameters are kept") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("hello_world_int8.tflite");
  const Tensor& in = g.tensor(g.inputs[0]);
  CHECK(in.dtype == DType::Int8);
  REQUIRE(in.quant.has_value());
  CHECK(in.quant->zero_point == std::vector<int64_t>{-128});
  CHECK(in.quant->scale[0] == doctest::Approx(0.02448).epsilon(0.001));
  const Tensor& bias = g.tensor(g.ops[0].inputs[2]);
  CHECK(bias.dtype == DType::Int32);
  CHECK(bias.is_constant);
  CHECK(g.ops[0].opts<FullyConnectedOptions>().activation == Activation::Relu);
  CHECK(g.ops[0].version == 4);  // int8 FULLY_CONNECTED as the converter wrote it
  REQUIRE(g.metadata.size() == 2);
  CHECK(g.metadata[1].name == "CONVERSION_METADATA");
}

TEST_CASE("tflite reader: per-channel int8 weights keep their quantized dimension") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_shared("kws_dscnn_int8.tflite");
  const Tensor& conv_w = g.tensor(g.ops[0].inputs[1]);
  REQUIRE(conv_w.quant.has_value());
  CHECK(conv_w.dtype == DType::Int8);
  CHECK(conv_w.quant->channels() == static_cast<size_t>(conv_w.shape[0]));
  CHECK(conv_w.quant->axis == 0);  // CONV_2D weights: per output channel, axis 0
  const Tensor& dw_w = g.tensor(g.ops[1].inputs[1]);
  REQUIRE(dw_w.quant.has_value());
  CHECK(dw_w.quant->axis == 3);    // DEPTHWISE_CONV_2D weights: axis 3
  CHECK(dw_w.quant->channels() == static_cast<size_t>(dw_w.shape[3]));
}

TEST_CASE("tflite reader: a missing file is an error naming it") {
  Expected<Graph> g = read_tflite_file("/nonexistent/dir/model.tflite");
  REQUIRE(!g.has_value());
  CHECK(g.error().to_string().find("/nonexistent/dir/model.tflite") != std::string::npos);
}

}  // namespace tinyopt
