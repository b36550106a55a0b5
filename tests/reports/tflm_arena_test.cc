// tests/reports/tflm_arena_test.cc: the TFLM arena model, on hand-built graphs (values checked by hand) and on
// the shared models against the arena sizes TFLM itself reported (../shared/golden/*/meta.json).
#include "reports/tflm_arena.h"

#include <algorithm>
#include <fstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "formats/tflite/reader.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// in[1,16] -> FC(16 units) -> FC(1 unit) -> out, int8, per-tensor weights.
Graph two_dense_int8() {
  Graph g;
  auto act = [&](const char* name, Shape shape) {
    Tensor t{.name = name, .dtype = DType::Int8, .shape = shape, .quant = QuantParams{{0.5f}, {0}, 0}, .data = {}};
    return g.add_tensor(t);
  };
  auto weights = [&](const char* name, Shape shape, DType type) {
    Tensor t{.name = name, .dtype = type, .shape = shape, .quant = QuantParams{{0.1f}, {0}, 0}, .data = {}};
    t.data.assign(t.byte_size(), 1);
    t.is_constant = true;
    return g.add_tensor(t);
  };
  TensorId in = act("in", {1, 16});
  TensorId w1 = weights("w1", {16, 16}, DType::Int8), b1 = weights("b1", {16}, DType::Int32);
  TensorId h = act("h", {1, 16});
  TensorId w2 = weights("w2", {1, 16}, DType::Int8), b2 = weights("b2", {1}, DType::Int32);
  TensorId out = act("out", {1, 1});
  g.add_op(Op{.kind = OpKind::FullyConnected, .options = FullyConnectedOptions{}, .inputs = {in, w1, b1}, .outputs = {h}});
  g.add_op(Op{.kind = OpKind::FullyConnected, .options = FullyConnectedOptions{}, .inputs = {h, w2, b2}, .outputs = {out}});
  g.inputs = {in};
  g.outputs = {out};
  return g;
}

TEST_CASE("tflm arena: two dense layers, 32-bit, every byte accounted by hand") {
  Expected<TflmArena> a = estimate_tflm_arena(two_dense_int8(), {.pointer_bytes = 4});
  REQUIRE(a);
  // Head: in (16 B, scopes 0..1), h (16 B, scopes 1..2), out (1 -> 16 B, scopes 2..2): in and h live together in
  // scope 1, h and out in scope 2: in@0, h@16, out@0 -> 32 bytes; the lower bound is also 32.
  CHECK(a->head_bytes == 32);
  CHECK(a->lower_bound_bytes == 32);
  // Tail (ILP32), allocation by allocation (size -> tail used after it):
  //   SingleArenaBufferAllocator 36 -> 36, GreedyMemoryPlanner 44 -> 80, MicroAllocator 36 -> 116,
  //   builtin-data allocator 8 -> 124, SubgraphAllocations 8 -> 132, 7 TfLiteEvalTensor x 12 -> 216,
  //   2 NodeAndRegistration x 32 -> 280, 2 TfLiteFullyConnectedParams x 16 -> 312,
  //   2 OpDataFullyConnected x 48 at 16-byte alignment -> 368, 416,
  //   input pointer array 4 (16-aligned) -> 432, TfLiteTensor 40 -> 472, TfLiteAffineQuantization 12 -> 484,
  //   zero-point array 8 -> 492, output pointer array 4 -> 496, then 40, 12, 8 -> 556.
  CHECK(a->tail_bytes == 556);
  CHECK(a->total_bytes == 588);
  CHECK(find_overlap(a->requests, a->plan).first == -1);
}

TEST_CASE("tflm arena: 64-bit structures are larger") {
  Expected<TflmArena> a = estimate_tflm_arena(two_dense_int8(), {.pointer_bytes = 8});
  REQUIRE(a);
  CHECK(a->head_bytes == 32);
  // 72+72+72+16+16 -> 248; 7 x 24 -> 416; 2 x 64 -> 544; 2 x 16 -> 576; OpData 64 x 2 -> 640, 704;
  // input array 8 -> 720; TfLiteTensor 64 -> 784, quantization 24 -> 808, zero points 8 -> 816;
  // output array 8 -> 832; 64, 24, 8 -> 928.
  CHECK(a->tail_bytes == 928);
}

// An "OfflineMemoryAllocation" metadata buffer: [version, subgraph, tensor count, one int32 offset per tensor].
MetadataEntry offline_plan(const std::vector<int32_t>& offsets, uint32_t count) {
  std::vector<uint32_t> words = {1, 0, count};
  for (int32_t o : offsets) words.push_back(static_cast<uint32_t>(o));
  MetadataEntry m{.name = "OfflineMemoryAllocation", .data = {}};
  for (uint32_t w : words)
    for (int b = 0; b < 4; ++b) m.data.push_back(static_cast<uint8_t>(w >> (8 * b)));
  return m;
}

TEST_CASE("tflm arena: an offline memory plan fixes the offsets it gives; the rest is planned online") {
  Graph g = two_dense_int8();
  // in -> 64, h -> 0, out online; constants' entries are ignored (TFLM does not plan them).
  g.metadata.push_back(offline_plan({64, -1, -1, 0, -1, -1, -1}, 7));
  Expected<TflmArena> a = estimate_tflm_arena(g, {.pointer_bytes = 4});
  REQUIRE(a);
  REQUIRE(a->requests.size() == 3);
  CHECK(a->plan.offsets[0] == 64);  // in
  CHECK(a->plan.offsets[1] == 0);   // h
  CHECK(a->plan.offsets[2] == 16);  // out: live with h, placed above it
  CHECK(a->head_bytes == 80);
}

TEST_CASE("tflm arena: an offline plan for another tensor count is refused, as TFLM refuses it") {
  Graph g = two_dense_int8();
  g.metadata.push_back(offline_plan({0, 0, 0}, 3));
  Expected<TflmArena> a = estimate_tflm_arena(g);
  REQUIRE_FALSE(a);
  CHECK(a.error().message.find("OfflineMemoryAllocation") != std::string::npos);
  CHECK(a.error().message.find("3 tensors") != std::string::npos);
}

TEST_CASE("tflm arena: a tensor id out of range is an error, not a crash") {
  Graph g = two_dense_int8();
  g.ops[0].inputs[0] = 99;
  Expected<TflmArena> a = estimate_tflm_arena(g);
  REQUIRE_FALSE(a);
  CHECK(a.error().message.find("99") != std::string::npos);
}

// Every model of ../shared TFLM runs (int8 and float, the TFLM_DECODE-compressed ones in compressed/ and the
// recurrent ones in recurrent/), against
// its own figures: the arena is exact to the byte on 32 and 64 bits (reference kernels), and so is its planned
// head (for the LUT model: decoded weights planned as non-persistent buffers, DECODE's state in the tail).
TEST_CASE("tflm arena: matches TFLM's arena_used_bytes on every shared model") {
  SKIP_WITHOUT_SHARED();
  int checked = 0;
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> cases;  // golden folder, model
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_dir() / "golden"))
    cases.emplace_back(entry.path(), test::shared_model(entry.path().filename().string() + ".tflite"));
  // The sub-folders: compressed/ (TFLM_DECODE) and recurrent/ (SVDF, LSTM with their variable tensors,
  // TRANSPOSE_CONV 16x8).
  for (const char* sub : {"compressed", "recurrent"})
    if (std::filesystem::exists(test::golden_dir(sub)))
      for (const auto& entry : std::filesystem::directory_iterator(test::golden_dir(sub)))
        cases.emplace_back(entry.path(), test::shared_model(sub) / (entry.path().filename().string() + ".tflite"));
  std::sort(cases.begin(), cases.end());
  for (const auto& [folder, model] : cases) {
    const std::filesystem::path meta_path = folder / "meta.json";
    const std::string stem = folder.filename().string();
    if (!std::filesystem::exists(meta_path)) continue;
    std::ifstream f(meta_path);
    const nlohmann::json meta = nlohmann::json::parse(f);
    if (!meta.value("tflm_supported", false)) continue;
    Expected<Graph> g = read_tflite_file(model);
    REQUIRE_MESSAGE(g, stem << ": " << (g ? std::string() : g.error().to_string()));
    for (int bits : {32, 64}) {
      Expected<TflmArena> a = estimate_tflm_arena(*g, {.pointer_bytes = bits / 8});
      REQUIRE(a);
      const double tflm = meta[bits == 32 ? "arena_used_bytes_32bit" : "arena_used_bytes"].get<double>();
      const double err = (static_cast<double>(a->total_bytes) - tflm) / tflm;
      INFO(stem << " " << bits << "-bit: estimate " << a->total_bytes << " (head " << a->head_bytes << ", tail "
                << a->tail_bytes << ") vs TFLM " << tflm << ", error " << err * 100 << "%");
      MESSAGE(stem << " " << bits << "-bit: estimate " << a->total_bytes << " vs TFLM " << tflm << " ("
                   << err * 100 << "%)");
      CHECK(a->total_bytes == static_cast<size_t>(tflm));
      const size_t tflm_head = bits == 64 ? meta["arena_head_nonpersistent_bytes"].get<size_t>()
                                          : meta["arena_breakdown_32bit"]["head_nonpersistent_bytes"].get<size_t>();
      CHECK(a->head_bytes == tflm_head);
      if (bits == 64) CHECK(a->tail_bytes == meta["arena_tail_persistent_bytes"].get<size_t>());
      CHECK(a->lower_bound_bytes <= a->head_bytes);
      CHECK(find_overlap(a->requests, a->plan).first == -1);
    }
    ++checked;
  }
  CHECK(checked >= 15);
}

}  // namespace
}  // namespace tinyopt
