// tests/formats/onnx_reader_test.cc: the ONNX reader on the PyTorch fixtures of tests/data/onnx (made by
// scripts/make_onnx_fixtures.py; the tests need no Python): our float runtime on the imported graph equals
// PyTorch's outputs within 1e-4 relative (of the output's largest magnitude: the error of float32 summation
// orders), in both input layouts and after a round trip through .tflite; the layout rules; and bad files
// built by editing a fixture's protobuf (truncated, not a protobuf, external data, a wrong initializer size,
// unsupported ops, a dynamic input dimension, an opset out of range).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "formats/atomic_file.h"
#include "formats/model_reader.h"
#include "formats/npy/npy.h"
#include "formats/onnx/reader.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "ir/op_traits.h"
#include "onnx/onnx_pb.h"
#include "runtime/interpreter.h"

namespace tinyopt {
namespace {

const std::filesystem::path kData = std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests" / "data" / "onnx";
constexpr double kRelTolerance = 1e-4;

NpyArray load(const std::string& file) {
  auto a = read_npy(kData / file);
  REQUIRE_MESSAGE(a, (a ? "" : a.error().to_string()));
  return *a;
}

// NCHW sample -> NHWC.
std::vector<float> to_nhwc(std::span<const float> x, int c, int h, int w) {
  std::vector<float> out(x.size());
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int xx = 0; xx < w; ++xx) out[static_cast<size_t>((y * w + xx) * c + ch)] = x[static_cast<size_t>((ch * h + y) * w + xx)];
  return out;
}

// Runs every sample of `input` (leading axis = samples) through `g`; `nhwc` transposes rank-4 samples first.
std::vector<float> run_samples(const Graph& g, const NpyArray& input, bool nhwc) {
  auto it = Interpreter::create(g);
  REQUIRE_MESSAGE(it, (it ? "" : it.error().to_string()));
  const auto samples = static_cast<size_t>(input.shape[0]);
  const size_t per = static_cast<size_t>(input.num_elements()) / samples;
  std::vector<float> out;
  for (size_t s = 0; s < samples; ++s) {
    std::span<const float> x = input.values<float>().subspan(s * per, per);
    std::vector<float> sample(x.begin(), x.end());
    if (nhwc && input.shape.size() == 4) sample = to_nhwc(x, input.shape[1], input.shape[2], input.shape[3]);
    REQUIRE(it->set_input<float>(0, sample));
    REQUIRE(it->invoke());
    auto y = it->output(0).as<float>();
    out.insert(out.end(), y.begin(), y.end());
  }
  return out;
}

void check_close(const std::vector<float>& got, const NpyArray& want, const std::string& what) {
  auto w = want.values<float>();
  REQUIRE(got.size() == w.size());
  double scale = 0, worst = 0;
  for (float v : w) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < w.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - w[i]));
  INFO(what << ": max abs error " << worst << ", output scale " << scale);
  CHECK(worst <= kRelTolerance * std::max(scale, 1e-6));
}

int count_ops(const Graph& g, OpKind k) {
  return static_cast<int>(std::count_if(g.ops.begin(), g.ops.end(), [&](const Op& op) { return op.kind == k; }));
}

onnx::ModelProto load_proto(const std::string& name) {
  auto bytes = read_file(kData / (name + ".onnx"));
  REQUIRE(bytes);
  onnx::ModelProto m;
  REQUIRE(m.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
  return m;
}

Expected<Graph> read_proto(const onnx::ModelProto& m, const OnnxReadOptions& o = {}) {
  const std::string s = m.SerializeAsString();
  return read_onnx({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, "edited.onnx", o);
}

const char* const kFixtures[] = {"cnn_bn", "dscnn", "residual", "mlp", "fmnist_cnn"};

}  // namespace

TEST_CASE("onnx fixtures: our runtime equals PyTorch, NHWC and NCHW inputs, and after a .tflite round trip") {
  for (const char* name : kFixtures) {
    CAPTURE(name);
    const std::string stem = name;
    if (!std::filesystem::exists(kData / (stem + ".onnx"))) continue;  // fmnist_cnn needs --fmnist
    const NpyArray input = load(stem + ".input.npy"), want = load(stem + ".output.npy");
    auto nhwc = read_onnx_file(kData / (stem + ".onnx"));
    REQUIRE_MESSAGE(nhwc, (nhwc ? "" : nhwc.error().to_string()));
    const std::vector<float> got = run_samples(*nhwc, input, true);
    check_close(got, want, stem + " (NHWC input)");
    auto nchw = read_onnx_file(kData / (stem + ".onnx"), {.keep_nchw_input = true});
    REQUIRE(nchw);
    check_close(run_samples(*nchw, input, false), want, stem + " (--keep-nchw-input)");
    // The .tflite the convert command writes runs the same, bit for bit.
    auto bytes = write_tflite(*nhwc);
    REQUIRE(bytes);
    auto back = read_tflite(*bytes, stem + ".tflite");
    REQUIRE_MESSAGE(back, (back ? "" : back.error().to_string()));
    CHECK(run_samples(*back, input, true) == got);
    // read_model tells the formats apart by content.
    CHECK(detect_model_format(*bytes) == ModelFormat::TFLite);
    auto onnx_bytes = read_file(kData / (stem + ".onnx"));
    REQUIRE(onnx_bytes);
    CHECK(detect_model_format(*onnx_bytes) == ModelFormat::Onnx);
  }
}

TEST_CASE("onnx layout: NHWC graph, BatchNorm folded, Flatten -> FULLY_CONNECTED without TRANSPOSE") {
  auto g = read_onnx_file(kData / "cnn_bn.onnx");
  REQUIRE(g);
  CHECK(g->tensor(g->inputs[0]).shape == Shape{1, 16, 16, 1});
  CHECK(count_ops(*g, OpKind::Transpose) == 0);
  CHECK(count_ops(*g, OpKind::Mul) == 0);  // both BatchNormalizations folded into their convs
  CHECK(count_ops(*g, OpKind::Add) == 0);
  CHECK(g->ops[0].kind == OpKind::Conv2D);
  CHECK(*fused_activation(g->ops[0]) == Activation::Relu);  // the Relu after the BatchNorm, fused
  CHECK(g->description.find("NHWC [1,16,16,1]") != std::string::npos);
  // The PyTorch pad-then-average (count_include_pad) is an explicit PAD and a VALID AVERAGE_POOL_2D.
  CHECK(count_ops(*g, OpKind::Pad) == 1);

  auto kept = read_onnx_file(kData / "cnn_bn.onnx", {.keep_nchw_input = true});
  REQUIRE(kept);
  CHECK(kept->tensor(kept->inputs[0]).shape == Shape{1, 1, 16, 16});
  CHECK(kept->ops[0].kind == OpKind::Transpose);
  CHECK(count_ops(*kept, OpKind::Transpose) == 1);
  CHECK(kept->description.find("kept NCHW") != std::string::npos);

  auto ds = read_onnx_file(kData / "dscnn.onnx");
  REQUIRE(ds);
  CHECK(count_ops(*ds, OpKind::DepthwiseConv2D) == 1);
  CHECK(count_ops(*ds, OpKind::HardSwish) == 1);  // x * HardSigmoid(x) (opset 13 export of hardswish)
  CHECK(count_ops(*ds, OpKind::Mean) == 1);       // GlobalAveragePool
  CHECK(count_ops(*ds, OpKind::Transpose) == 0);  // F.pad's Shape/Slice/Transpose chain folded away

  auto mlp = read_onnx_file(kData / "mlp.onnx");
  REQUIRE(mlp);
  CHECK(count_ops(*mlp, OpKind::FullyConnected) == 3);  // MatMul + Add -> one op each
  CHECK(*fused_activation(mlp->ops[2]) == Activation::ReluN1To1);  // hardtanh fused
}

TEST_CASE("onnx AveragePool count_include_pad = 1 with pads equals PyTorch's explicit Pad + AveragePool") {
  // cnn_bn exports F.avg_pool2d(padding=1) as Pad (zeros) -> AveragePool(pads 0). The same windows written as
  // one AveragePool with pads [1,1,1,1] and count_include_pad = 1 must give PyTorch's output too.
  onnx::ModelProto m = load_proto("cnn_bn");
  onnx::GraphProto* graph = m.mutable_graph();
  int pad = -1;
  for (int k = 0; k < graph->node_size(); ++k) if (graph->node(k).op_type() == "Pad") pad = k;
  REQUIRE(pad >= 0);
  onnx::NodeProto* pool = graph->mutable_node(pad + 1);
  REQUIRE(pool->op_type() == "AveragePool");
  pool->set_input(0, graph->node(pad).input(0));
  for (auto& a : *pool->mutable_attribute())
    if (a.name() == "pads") for (int i = 0; i < 4; ++i) a.set_ints(i, 1);
  auto* count = pool->add_attribute();
  count->set_name("count_include_pad");
  count->set_type(onnx::AttributeProto::INT);
  count->set_i(1);
  graph->mutable_node()->DeleteSubrange(pad, 1);
  auto g = read_proto(m);
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  CHECK(count_ops(*g, OpKind::Pad) == 1);  // TFLite SAME would not count the pads: an explicit PAD
  check_close(run_samples(*g, load("cnn_bn.input.npy"), true), load("cnn_bn.output.npy"), "count_include_pad");
}

TEST_CASE("onnx bad input: not a protobuf, truncated, empty") {
  const std::string text = "this is not a model at all";
  auto e = read_model({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, "text.onnx");
  REQUIRE(!e);
  CHECK(e.error().code == Errc::BadInput);
  auto bytes = read_file(kData / "residual.onnx");
  REQUIRE(bytes);
  for (size_t cut : {bytes->size() / 2, bytes->size() - 3, size_t{1}, size_t{40}}) {
    CAPTURE(cut);
    auto t = read_onnx(std::span<const uint8_t>(bytes->data(), cut), "cut.onnx");
    REQUIRE(!t);
    CHECK((t.error().code == Errc::BadInput || t.error().code == Errc::Unsupported));
  }
  auto empty = read_onnx({}, "empty.onnx");
  REQUIRE(!empty);
  CHECK(empty.error().to_string().find("not an ONNX model") != std::string::npos);
}

TEST_CASE("onnx bad input: initializer sizes, external data") {
  onnx::ModelProto m = load_proto("cnn_bn");
  REQUIRE(m.graph().initializer_size() > 0);
  {
    onnx::ModelProto bad = m;
    onnx::TensorProto* t = bad.mutable_graph()->mutable_initializer(0);
    REQUIRE(t->has_raw_data());
    t->mutable_raw_data()->resize(t->raw_data().size() - 4);
    auto e = read_proto(bad);
    REQUIRE(!e);
    CHECK(e.error().code == Errc::BadInput);
    CHECK(e.error().to_string().find("raw_data has") != std::string::npos);
    CHECK(e.error().to_string().find(t->name()) != std::string::npos);
  }
  {
    onnx::ModelProto bad = m;
    onnx::TensorProto* t = bad.mutable_graph()->mutable_initializer(0);
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* entry = t->add_external_data();
    entry->set_key("location");
    entry->set_value("weights.bin");
    auto e = read_proto(bad);
    REQUIRE(!e);
    CHECK(e.error().to_string().find("external data") != std::string::npos);
  }
  {
    onnx::ModelProto bad = m;
    bad.mutable_graph()->mutable_initializer(0)->set_dims(0, -3);
    auto e = read_proto(bad);
    REQUIRE(!e);
    CHECK(e.error().to_string().find("negative dimension") != std::string::npos);
  }
}

TEST_CASE("onnx bad input: a node without outputs (a fuzz finding: its output 0 was read unchecked)") {
  onnx::ModelProto m = load_proto("mlp");
  m.mutable_graph()->mutable_node(0)->clear_output();
  auto e = read_proto(m);
  REQUIRE(!e);
  CHECK(e.error().code == Errc::BadInput);
  CHECK(e.error().to_string().find("'" + m.graph().node(0).name() + "': op MatMul has no output") != std::string::npos);
}

TEST_CASE("onnx bad input: a 17 KB file folding an 8 Mi-entry ConstantOfShape is refused at once (a fuzz timeout)") {
  const std::filesystem::path file =
      std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz/regressions/onnx_reader/constant_of_shape_8m_pads.onnx";
  auto e = read_onnx_file(file);
  REQUIRE(!e);
  CHECK(e.error().code == Errc::BadInput);
  CHECK(e.error().to_string().find("ConstantOfShape '/ConstantOfShape' has more than 4194304 elements") !=
        std::string::npos);
}

TEST_CASE("onnx bad input: every unsupported node in one error") {
  onnx::ModelProto m = load_proto("residual");
  m.mutable_graph()->mutable_node(0)->set_op_type("Resize");
  m.mutable_graph()->mutable_node(3)->set_op_type("LSTM");
  auto e = read_proto(m);
  REQUIRE(!e);
  CHECK(e.error().code == Errc::Unsupported);
  const std::string msg = e.error().to_string();
  CHECK(msg.find("2 unsupported ONNX nodes") != std::string::npos);
  CHECK(msg.find("'" + m.graph().node(0).name() + "': op Resize") != std::string::npos);
  CHECK(msg.find("'" + m.graph().node(3).name() + "': op LSTM") != std::string::npos);
}

TEST_CASE("onnx bad input: dynamic dimensions other than the batch, opsets out of range") {
  {
    onnx::ModelProto m = load_proto("cnn_bn");
    auto* dim = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2);
    dim->set_dim_param("height");
    auto e = read_proto(m);
    REQUIRE(!e);
    CHECK(e.error().code == Errc::BadInput);
    CHECK(e.error().to_string().find("dimension 2 is dynamic ('height')") != std::string::npos);
  }
  for (int64_t opset : {10, 18}) {
    onnx::ModelProto m = load_proto("mlp");
    m.mutable_opset_import(0)->set_version(opset);
    auto e = read_proto(m);
    REQUIRE(!e);
    CHECK(e.error().code == Errc::Unsupported);
    CHECK(e.error().to_string().find("opset " + std::to_string(opset)) != std::string::npos);
  }
}

}  // namespace tinyopt
