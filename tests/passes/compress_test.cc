// tests/passes/compress_test.cc: the compress pass (TFLM_DECODE encodings) and the cluster pass on the shared kws
// models: files get smaller than the plain model, tensors stay plain where encoding does not pay, the bundled
// runtime (DECODE kernel + int8 kernels) gives exactly the outputs of the plain model it was made from
// (decode-then-run), the bytes are deterministic, ram-cap holds, and clustering bounds distinct int8 values.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <doctest/doctest.h>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "ir/tflm_decode.h"
#include "passes/pass_manager.h"
#include "reports/tflm_arena.h"
#include "runtime/interpreter.h"
#include "tests/shared_data.h"
#include "tests/passes/run_pipeline_text.h"

using namespace tinyopt;

namespace {

Graph read_model(const std::filesystem::path& p) {
  Expected<Graph> g = read_tflite_file(p);
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  return std::move(*g);
}

std::vector<PassRunRecord> run_passes(Graph& g, const std::string& pipeline) {
  Expected<std::vector<PassRunRecord>> records = test::run_pipeline_text(g, pipeline);
  REQUIRE_MESSAGE(records, (records ? "" : records.error().to_string()));
  return std::move(*records);
}

// The model's outputs on the 4 golden kws inputs, as bytes.
std::vector<std::vector<uint8_t>> outputs_on_kws_inputs(const Graph& g) {
  auto interp = Interpreter::create(g);
  REQUIRE_MESSAGE(interp, (interp ? "" : interp.error().to_string()));
  std::vector<std::vector<uint8_t>> out;
  for (int k = 0; k < 4; ++k) {
    auto x = read_npy(test::golden_dir("kws_dscnn_int8") / ("case" + std::to_string(k)) / "input0.npy");
    REQUIRE(x);
    REQUIRE(interp->set_input(0, std::span<const uint8_t>(x->data)));
    REQUIRE(interp->invoke());
    auto y = interp->output(0).bytes;
    out.emplace_back(y.begin(), y.end());
  }
  return out;
}

int count_ops(const Graph& g, OpKind k) {
  return static_cast<int>(std::count_if(g.ops.begin(), g.ops.end(), [&](const Op& op) { return op.kind == k; }));
}

std::vector<uint8_t> written(const Graph& g) {
  auto bytes = write_tflite(g);
  REQUIRE(bytes);
  return std::move(*bytes);
}

// Zeroes the `fraction` smallest-magnitude int8 weights of every weighted op (unstructured magnitude pruning).
void zero_smallest_weights(Graph& g, double fraction) {
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    auto w = g.tensor(op.inputs[1]).mutable_values<int8_t>();
    std::vector<int> mags(w.begin(), w.end());
    for (int& m : mags) m = std::abs(m);
    std::sort(mags.begin(), mags.end());
    const int cut = mags[static_cast<size_t>(fraction * static_cast<double>(mags.size()))];
    size_t zeroed = 0, target = static_cast<size_t>(fraction * static_cast<double>(w.size()));
    for (int8_t& v : w) if (std::abs(v) < cut) { v = 0; ++zeroed; }
    for (int8_t& v : w) if (zeroed < target && std::abs(v) == cut) { v = 0; ++zeroed; }
  }
}

int64_t weight_bytes(const Graph& g) {
  int64_t n = 0;
  for (const Op& op : g.ops) {
    if (op.kind == OpKind::Decode) {
      n += static_cast<int64_t>(g.tensor(op.inputs[0]).data.size() + g.tensor(op.inputs[1]).data.size());
    } else if (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D || op.kind == OpKind::FullyConnected) {
      n += static_cast<int64_t>(g.tensor(op.inputs[1]).data.size());  // 0 when decoded
    }
  }
  return n;
}

}  // namespace

TEST_CASE("compress: the clustered kws model gets smaller than the plain file, runs identically, is deterministic") {
  SKIP_WITHOUT_SHARED();
  Graph plain = read_model(test::shared_model("compressed") / "kws_dscnn_int8_clustered.tflite");
  Graph g = plain;
  auto records = run_passes(g, "compress");
  const PassResult& r = records.back().result;
  MESSAGE(r.summary);
  CHECK(r.counters.at("encoded_lut") >= 5);
  CHECK(r.counters.at("plain") >= 1);  // the depthwise kernels: encoding them does not pay (TFLM's tool grows them)
  const std::vector<uint8_t> bytes = written(g);
  const auto plain_file = std::filesystem::file_size(test::shared_model("compressed") / "kws_dscnn_int8_clustered.tflite");
  CHECK(bytes.size() < plain_file);
  CHECK(bytes.size() < written(plain).size());
  Graph again = plain;
  run_passes(again, "compress");
  CHECK(written(again) == bytes);
  // Read back, run: exactly TFLM's outputs for the clustered model.
  Expected<Graph> back = read_tflite(bytes, "compressed.tflite");
  REQUIRE_MESSAGE(back, (back ? "" : back.error().to_string()));
  CHECK(count_ops(*back, OpKind::Decode) == r.counters.at("encoded_lut"));
  auto got = outputs_on_kws_inputs(*back);
  for (int k = 0; k < 4; ++k) {
    auto want = read_npy(test::golden_dir("compressed") / "kws_dscnn_int8_clustered" / ("case" + std::to_string(k)) / "output0.npy");
    REQUIRE(want);
    CHECK(got[static_cast<size_t>(k)] == want->data);
  }
  // The arena grows by the decoded buffers alive at once and DECODE's persistent state.
  auto a0 = estimate_tflm_arena(plain), a1 = estimate_tflm_arena(*back);
  REQUIRE(a0);
  REQUIRE(a1);
  CHECK(a1->total_bytes > a0->total_bytes);
}

TEST_CASE("compress: encoding=none decodes TFLM's LUT-4 model back to plain weights with the same outputs") {
  SKIP_WITHOUT_SHARED();
  Graph g = read_model(test::shared_model("compressed") / "kws_dscnn_int8_lut4.tflite");
  const auto before = outputs_on_kws_inputs(g);
  auto records = run_passes(g, "compress{encoding=none}");
  CHECK(records.back().result.counters.at("decoded_existing") == 10);
  CHECK(count_ops(g, OpKind::Decode) == 0);
  CHECK(outputs_on_kws_inputs(g) == before);
  // Re-encoding TFLM's model: smaller than TFLM's file and than the plain model.
  Graph lut = read_model(test::shared_model("compressed") / "kws_dscnn_int8_lut4.tflite");
  run_passes(lut, "compress{encoding=lut}");
  CHECK(written(lut).size() < 53936);
  CHECK(outputs_on_kws_inputs(lut) == before);
}

TEST_CASE("compress: 80% unstructured sparsity, prune-encoded: 2.5x fewer weight bytes, identical outputs") {
  SKIP_WITHOUT_SHARED();
  Graph dense = read_model(test::shared_model("kws_dscnn_int8.tflite"));
  Graph sparse = dense;
  zero_smallest_weights(sparse, 0.8);
  Graph g = sparse;
  auto records = run_passes(g, "compress{encoding=prune}");
  MESSAGE(records.back().result.summary);
  CHECK(records.back().result.counters.at("encoded_prune") >= 9);
  const double ratio = static_cast<double>(weight_bytes(dense)) / static_cast<double>(weight_bytes(g));
  MESSAGE("weight bytes " << weight_bytes(dense) << " -> " << weight_bytes(g) << " (" << ratio << "x)");
  CHECK(ratio >= 2.5);
  CHECK(outputs_on_kws_inputs(g) == outputs_on_kws_inputs(sparse));  // decode-then-run
  Expected<Graph> back = read_tflite(written(g), "pruned.tflite");
  REQUIRE(back);
  CHECK(outputs_on_kws_inputs(*back) == outputs_on_kws_inputs(sparse));
  // auto picks prune for these tensors too (sparse, many distinct values).
  Graph a = sparse;
  auto ra = run_passes(a, "compress");
  CHECK(ra.back().result.counters.at("encoded_prune") >= 9);
}

TEST_CASE("compress: ram-cap bounds the arena growth, undoing the largest encodings first") {
  SKIP_WITHOUT_SHARED();
  Graph plain = read_model(test::shared_model("compressed") / "kws_dscnn_int8_clustered.tflite");
  auto base = estimate_tflm_arena(plain);
  REQUIRE(base);
  Graph g = plain;
  auto r = run_passes(g, "compress{ram-cap=1}");
  CHECK(r.back().result.counters.at("encoded_lut") == 0);
  CHECK(estimate_tflm_arena(g)->total_bytes == base->total_bytes);
  Graph h = plain;
  auto r2 = run_passes(h, "compress{ram-cap=3000}");
  CHECK(estimate_tflm_arena(h)->total_bytes <= base->total_bytes + 3000);
  CHECK(r2.back().result.counters.at("encoded_lut") >= 1);
}

TEST_CASE("cluster: after quantize every channel holds at most 2^bits distinct int8 values") {
  SKIP_WITHOUT_SHARED();
  // kws_dscnn_float has int8 (hybrid) conv weights, read as float: cluster them, then check the float groups.
  Graph g = read_model(test::shared_model("kws_dscnn_float.tflite"));
  auto r = run_passes(g, "fold-batchnorm,cluster{bits=3}");
  CHECK(r.back().result.counters.at("clustered") >= 10);
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::FullyConnected) continue;
    const Tensor& w = g.tensor(op.inputs[1]);
    const size_t groups = op.kind == OpKind::FullyConnected ? 1 : static_cast<size_t>(w.shape[0]);
    const size_t per = w.values<float>().size() / groups;
    for (size_t c = 0; c < groups; ++c) {
      std::set<float> distinct(w.values<float>().begin() + static_cast<long>(c * per),
                               w.values<float>().begin() + static_cast<long>((c + 1) * per));
      CHECK(distinct.size() <= 8);
    }
  }
}
