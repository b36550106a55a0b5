// tests/passes/prune_test.cc: the prune pass on real models.
//  - Channel pruning is an exact rewrite: the pruned model computes what the unpruned model computes with the
//    removed channels' filters and biases (the producers' and the depthwise followers') set to zero, on every shared
//    float model where channels can go (ReLU/ReLU6 paths map 0 to 0) and on the example model.
//  - Element and N:M pruning give the exact zero counts asked for, per layer and per block.
//  - Budgets are met; bad options are refused with the option named.
#include <cmath>
#include <filesystem>

#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "ir/op_traits.h"
#include "ir/rng.h"
#include "passes/channel_groups.h"
#include "passes/pass_manager.h"
#include "passes/pipeline_parser.h"
#include "passes/prune_channels.h"
#include "passes/prune_layers.h"
#include "passes/prune_masks.h"
#include "reports/model_stats.h"
#include "runtime/evaluate.h"
#include "tests/shared_data.h"
#include "train/model_builder.h"
#include "tests/passes/run_pipeline_text.h"

namespace tinyopt {
namespace {

// The model after the preparation passes `tinyopt prune` runs first.
Graph prepared(const std::filesystem::path& path) {
  Expected<Graph> g = read_tflite_file(path);
  REQUIRE(g);
  REQUIRE(test::run_pipeline_text(*g, "dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead"));
  return std::move(*g);
}

Expected<PassResult> run_prune(Graph& g, const std::string& options) {
  return test::run_last_pass(g, "prune{" + options + "}");
}

Dataset random_inputs(const Graph& g, size_t n, uint64_t seed) {
  Shape s = g.tensor(g.inputs[0]).shape;
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(num_elements(s)) * n);
  for (float& x : v) x = rng.uniform(0.0f, 1.0f);
  return Dataset::from_floats(s, std::move(v));
}

// Zeroes, in `g`, every output channel of a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED whose class is removed:
// its weight slice along the output axis and its bias entry.
void zero_removed(Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed) {
  const auto gone = removed_channels(a, removed);
  for (Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const auto& out = gone[static_cast<size_t>(op.outputs[0])];
    Tensor& w = g.tensor(op.inputs[1]);
    const int axis = weight_channel_axis(op.kind);
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
    const int64_t channels = w.shape[static_cast<size_t>(axis)];
    auto v = w.mutable_values<float>();
    for (size_t i = 0; i < v.size(); ++i)
      if (out[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)]) v[i] = 0.0f;
    if (op.input(2) != kNoTensor) {
      auto b = g.tensor(op.inputs[2]).mutable_values<float>();
      for (size_t c = 0; c < b.size(); ++c) if (out[c]) b[c] = 0.0f;
    }
  }
}

// Every third class of each removable group (never all of a group).
std::vector<bool> every_third(const ChannelAnalysis& a) {
  std::vector<bool> removed(a.classes.size(), false);
  for (const ChannelGroup& grp : a.groups) {
    if (!grp.removable) continue;
    for (size_t k = 1; k < grp.classes.size(); k += 3) removed[static_cast<size_t>(grp.classes[k])] = true;
  }
  return removed;
}

void check_equivalent(const Graph& original) {
  Expected<ChannelAnalysis> a = analyze_channels(original, {}, FilterNorm::L2);
  REQUIRE(a);
  const std::vector<bool> removed = every_third(*a);
  int64_t n_removed = 0;
  for (bool b : removed) n_removed += b;
  REQUIRE(n_removed > 0);

  Graph pruned = original;
  REQUIRE(remove_channel_classes(pruned, *a, removed));
  Graph zeroed = original;
  zero_removed(zeroed, *a, removed);

  // The size estimate is the size of the rewritten model.
  const PrunedSize predicted = pruned_size(original, *a, removed);
  const ModelStats after = compute_model_stats(pruned);
  CHECK(predicted.macs == after.total_macs);
  CHECK(predicted.parameters == after.total_parameters);
  CHECK(after.total_macs < compute_model_stats(original).total_macs);

  const Dataset data = random_inputs(original, 3, 7);
  Expected<Evaluation> ref = evaluate_model(zeroed, data);
  Expected<Evaluation> got = evaluate_model(pruned, data);
  REQUIRE(ref);
  REQUIRE(got);
  for (size_t o = 0; o < ref->outputs.size(); ++o)
    for (size_t s = 0; s < data.size(); ++s) {
      const std::vector<float> r = ref->outputs[o].values(s), p = got->outputs[o].values(s);
      REQUIRE(r.size() == p.size());
      float scale = 0, worst = 0;
      for (size_t i = 0; i < r.size(); ++i) scale = std::max(scale, std::fabs(r[i]));
      for (size_t i = 0; i < r.size(); ++i) worst = std::max(worst, std::fabs(r[i] - p[i]));
      CHECK(worst <= 1e-5f * std::max(scale, 1e-6f));
    }
}

void check_equivalent(const std::filesystem::path& path) {
  CAPTURE(path.string());
  check_equivalent(prepared(path));
}

TEST_CASE("prune channel: the pruned model equals the unpruned one with those filters zeroed") {
  check_equivalent(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite");
  SKIP_WITHOUT_SHARED();
  // flatten -> FC, residual ADDs, depthwise chains, MobileNet, FC stacks.
  for (const char* m : {"fmnist_cnn_float.tflite", "ic_resnet8_float.tflite", "kws_dscnn_float.tflite",
                        "vww_mobilenet_float.tflite", "ad_autoencoder_float.tflite"})
    check_equivalent(test::shared_model(m));
}

TEST_CASE("prune channel: concatenation offsets, depth multipliers, PAD, MEAN and a coupled MUL") {
  // input -> conv a(8) , conv b(6) -> concat [14] -> pad -> depthwise x2 [28] -> conv c(5) ; conv d(5) on the
  // input; c * d (coupled) -> mean over H,W -> FC 3. Every class of a, b, c+d can go.
  ModelBuilder b(3);
  const WindowSpec relu{.activation = Activation::Relu};
  TensorId x = b.input("input", {1, 8, 8, 2});
  TensorId a = b.conv_2d(x, 8, 3, 3, relu);
  TensorId bb = b.conv_2d(x, 6, 1, 1, relu);
  TensorId cat = b.concatenation({a, bb}, 3);
  TensorId padded = b.pad(cat, {0, 0, 1, 1, 1, 1, 0, 0});
  TensorId dw = b.depthwise_conv_2d(padded, 3, 3, 2, {.padding = Padding::Valid, .activation = Activation::Relu});
  TensorId c = b.conv_2d(dw, 5, 1, 1, relu);
  TensorId d = b.conv_2d(b.max_pool_2d(x, 1, 1), 5, 1, 1, relu);
  TensorId m = b.mul(c, d);
  TensorId y = b.fully_connected(b.mean(m, {1, 2}), 3);
  Expected<Graph> g = b.finish({y}, "output");
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  Expected<ChannelAnalysis> an = analyze_channels(*g, {}, FilterNorm::L1);
  REQUIRE(an);
  size_t removable = 0;
  for (const ChannelGroup& grp : an->groups) removable += grp.removable ? grp.classes.size() : 0;
  CHECK(removable == 8 + 6 + 5);
  check_equivalent(*g);
}

TEST_CASE("prune channel: residual groups are pruned alike; groups reaching outputs stay whole") {
  SKIP_WITHOUT_SHARED();
  const Graph g = prepared(test::shared_model("ic_resnet8_float.tflite"));
  Expected<ChannelAnalysis> a = analyze_channels(g, {}, FilterNorm::L2);
  REQUIRE(a);
  // ResNet-8: the stem conv and the two convs whose outputs are added with it form one group, etc.
  size_t residual = 0;
  for (const ChannelGroup& grp : a->groups)
    if (grp.producers.size() > 1) {
      ++residual;
      for (int c : grp.classes) CHECK(a->classes[static_cast<size_t>(c)].filters.size() == grp.producers.size());
    }
  CHECK(residual == 3);
  // The classifier's outputs reach the model output (through SOFTMAX).
  const int fc = static_cast<int>(g.ops.size()) - 2;
  REQUIRE(g.ops[static_cast<size_t>(fc)].kind == OpKind::FullyConnected);
  for (const ChannelGroup& grp : a->groups)
    if (grp.producers == std::vector<int>{fc}) CHECK_FALSE(grp.removable);
}

TEST_CASE("prune channel: a MACs budget is met and the result validates; an impossible one is refused") {
  Graph g = prepared(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite");
  const int64_t macs = compute_model_stats(g).total_macs;
  Graph half = g;
  Expected<PassResult> r = run_prune(half, "granularity=channel,macs=0.5");
  REQUIRE(r);
  CHECK(r->counters.at("macs_after") <= macs / 2);
  CHECK(r->counters.at("macs_after") == compute_model_stats(half).total_macs);
  CHECK(half.validate());

  Graph tiny = g;
  Expected<PassResult> bad = run_prune(tiny, "granularity=channel,macs=0.01");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where.option == "prune.macs");
  CHECK(bad.error().message.find("cannot be met") != std::string::npos);

  Graph global = g;
  Expected<PassResult> gl = run_prune(global, "granularity=channel,params=0.6,allocation=global,norm=l1");
  REQUIRE(gl);
  CHECK(gl->counters.at("params_after") <= 0.6 * static_cast<double>(gl->counters.at("params_before")));
}

TEST_CASE("prune element: each layer gets exactly the zeros asked for; global ranking meets the overall target") {
  Graph g = prepared(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite");
  Graph u = g;
  REQUIRE(run_prune(u, "sparsity=0.8,layers=[conv_2d_2:0.25],skip=[#0]"));
  for (const PrunableLayer& l : prunable_layers(u)) {
    CAPTURE(l.name);
    const Tensor& w = u.tensor(l.weights);
    int64_t zeros = 0;
    for (float x : w.values<float>()) zeros += x == 0.0f;
    const double want = l.op == 0 ? 0.0 : l.name == "conv_2d_2" ? 0.25 : 0.8;
    CHECK(zeros == std::llround(want * static_cast<double>(w.num_elements())));
  }
  Graph gl = g;
  Expected<PassResult> r = run_prune(gl, "sparsity=0.7,allocation=global,max-layer-sparsity=0.95");
  REQUIRE(r);
  CHECK(r->counters.at("zeros") == std::llround(0.7 * static_cast<double>(r->counters.at("weights"))));
  for (const LayerFigures& l : r->layers) CHECK(l.values.at("sparsity") <= 0.95 + 1e-9);
}

TEST_CASE("prune N:M: every block along the reduction axis holds N zeros; partial blocks follow the padding rule") {
  Graph g = prepared(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite");
  for (const char* nm : {"2:4", "1:4", "4:8"}) {
    CAPTURE(nm);
    Graph p = g;
    Expected<PassResult> r = run_prune(p, std::string("granularity=") + nm);
    REQUIRE(r);
    const int n = nm[0] - '0', m = nm[2] - '0';
    for (const PrunableLayer& l : prunable_layers(p))
      CHECK(satisfies_n_m(p.tensor(l.weights), p.ops[static_cast<size_t>(l.op)].kind, n, m));
  }
  // A hand-made [O=1,I=10] weight matrix: two full blocks of 4 and a tail of 2, pruned 2:4 -> 2 + 2 + 0 zeros;
  // 3:4 -> 3 + 3 + 1 (the tail of 2 holds 3 - (4 - 2) = 1).
  Tensor w;
  w.shape = {1, 10};
  std::vector<float> v{5, -1, 3, 2, 0.5f, 6, -7, 8, 9, 0.1f};
  w.set_values<float>(v);
  NMResult r = prune_n_m(w, OpKind::FullyConnected, 2, 4);
  CHECK(r.zeros == 4);
  CHECK(r.partial_blocks == 1);
  CHECK(w.values<float>()[1] == 0.0f);
  CHECK(w.values<float>()[3] == 0.0f);
  CHECK(w.values<float>()[9] == 0.1f);
  w.set_values<float>(v);
  CHECK(prune_n_m(w, OpKind::FullyConnected, 3, 4).zeros == 7);
  CHECK(w.values<float>()[9] == 0.0f);
}

TEST_CASE("prune: bad options and inputs are refused with the option named") {
  Graph g = prepared(std::filesystem::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite");
  auto error_of = [&](const std::string& opts) {
    Graph c = g;
    Expected<PassResult> r = run_prune(c, opts);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::BadInput);
    return r.error();
  };
  CHECK(error_of("sparsity=1").where.option == "prune.sparsity");
  CHECK(error_of("granularity=4:4").where.option == "prune.granularity");
  CHECK(error_of("granularity=1:1").where.option == "prune.granularity");
  CHECK(error_of("granularity=blocks").where.option == "prune.granularity");
  CHECK(error_of("macs=0.5").where.option == "prune.macs");
  const Error nomatch = error_of("skip=[conv_99]");
  CHECK(nomatch.where.option == "prune.skip");
  CHECK(nomatch.message.find("pattern 'conv_99' matches no prunable layer; the layers are: #0 conv_2d_0") == 0);
  CHECK(error_of("layers=[conv_2d_2]").where.option == "prune.layers");
  CHECK(error_of("layers=[conv_2d_2:1.5]").where.option == "prune.layers");
  CHECK(error_of("granularity=2:4,layers=[conv_2d_2:0.5]").where.option == "prune.layers");
  SKIP_WITHOUT_SHARED();
  Expected<Graph> q = read_tflite_file(test::shared_model("kws_dscnn_int8.tflite"));
  REQUIRE(q);
  Expected<PassResult> r = run_prune(*q, "sparsity=0.5");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("prune the float model, then quantize it") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
