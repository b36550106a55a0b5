// tests/formats/tflite_writer_test.cc: round trips of every shared model (read -> write -> read gives the same
// graph; a second round trip is byte-identical), and the properties TFLite Micro relies on: schema version 3,
// empty buffer 0, 16-byte aligned constant data, deduplicated operator codes with both code fields and versions.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "formats/atomic_file.h"
#include "formats/tflite/op_version.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/schema_generated.h"
#include "formats/tflite/writer.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

const std::vector<std::string> kModels = {
    "kws_dscnn_float.tflite",     "kws_dscnn_int8.tflite",      "ic_resnet8_float.tflite",
    "ic_resnet8_int8.tflite",     "ad_autoencoder_float.tflite", "ad_autoencoder_int8.tflite",
    "hello_world_float.tflite",   "hello_world_int8.tflite",    "fmnist_cnn_float.tflite",
    "person_detect_int8.tflite",
};

// Structural equality: everything that determines a model's outputs (ops, options, wiring, tensor types, shapes,
// quantization, constant bytes) plus names and metadata. Op versions are excluded: the writer recomputes them.
void check_same_graph(const Graph& a, const Graph& b) {
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor& x = a.tensors[i];
    const Tensor& y = b.tensors[i];
    CAPTURE(x.name);
    CHECK(x.name == y.name);
    CHECK(x.dtype == y.dtype);
    CHECK(x.shape == y.shape);
    CHECK(x.quant == y.quant);
    CHECK(x.is_constant == y.is_constant);
    CHECK(x.is_variable == y.is_variable);
    CHECK(x.data == y.data);
  }
  REQUIRE(a.ops.size() == b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    CAPTURE(i);
    CHECK(a.ops[i].kind == b.ops[i].kind);
    CHECK(a.ops[i].options == b.ops[i].options);
    CHECK(a.ops[i].inputs == b.ops[i].inputs);
    CHECK(a.ops[i].outputs == b.ops[i].outputs);
  }
  CHECK(a.inputs == b.inputs);
  CHECK(a.outputs == b.outputs);
  CHECK(a.description == b.description);
  // A model without min_runtime_version (person_detect_int8) gets one appended by the writer.
  const bool added = std::none_of(a.metadata.begin(), a.metadata.end(),
                                  [](const MetadataEntry& e) { return e.name == "min_runtime_version"; });
  REQUIRE(a.metadata.size() + (added ? 1 : 0) == b.metadata.size());
  if (added) CHECK(b.metadata.back().name == "min_runtime_version");
  for (size_t i = 0; i < a.metadata.size(); ++i) {
    CAPTURE(a.metadata[i].name);
    CHECK(a.metadata[i].name == b.metadata[i].name);
    if (a.metadata[i].name != "min_runtime_version") {
      CHECK(a.metadata[i].data == b.metadata[i].data);
      continue;
    }
    // The writer keeps min_runtime_version when it covers the ops and raises it otherwise (the int8 MLPerf
    // models say "1.5.0" although int8 kernels arrived in 1.14.0), never lowers it.
    auto text = [](const std::vector<uint8_t>& d) { return std::string(d.begin(), std::find(d.begin(), d.end(), 0)); };
    CHECK(!tflite_format::runtime_version_less(text(b.metadata[i].data), text(a.metadata[i].data)));
  }
}

std::vector<uint8_t> write_or_fail(const Graph& g) {
  Expected<std::vector<uint8_t>> bytes = write_tflite(g);
  REQUIRE_MESSAGE(bytes.has_value(), (bytes ? "" : bytes.error().to_string()));
  return std::move(*bytes);
}

Graph read_or_fail(std::span<const uint8_t> bytes, const std::string& name) {
  Expected<Graph> g = read_tflite(bytes, name);
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  return std::move(*g);
}

}  // namespace

TEST_CASE("tflite writer: round trip of every shared model") {
  SKIP_WITHOUT_SHARED();
  for (const std::string& file : kModels) {
    CAPTURE(file);
    Expected<Graph> original = read_tflite_file(test::shared_model(file));
    REQUIRE(original.has_value());
    std::vector<uint8_t> first = write_or_fail(*original);
    Graph g1 = read_or_fail(first, file);
    check_same_graph(*original, g1);
    std::vector<uint8_t> second = write_or_fail(g1);
    CHECK(second == first);  // a second round trip is byte-identical
    Graph g2 = read_or_fail(second, file);
    for (size_t i = 0; i < g1.ops.size(); ++i) CHECK(g2.ops[i].version == g1.ops[i].version);
    CHECK(write_or_fail(*original) == first);  // deterministic
  }
}

TEST_CASE("tflite writer: op versions match the TFLite converter's on the shared models") {
  SKIP_WITHOUT_SHARED();
  // Left out on purpose: kws_dscnn_float, whose hybrid CONV_2D (version 2) is float after reading (version 1), and
  // person_detect_int8, written by the old TOCO converter with int8 CONV_2D version 2 (checked below).
  for (const std::string& file : kModels) {
    if (file == "kws_dscnn_float.tflite" || file == "person_detect_int8.tflite") continue;
    CAPTURE(file);
    Expected<Graph> original = read_tflite_file(test::shared_model(file));
    REQUIRE(original.has_value());
    Graph g1 = read_or_fail(write_or_fail(*original), file);
    for (size_t i = 0; i < g1.ops.size(); ++i) {
      CAPTURE(i);
      CAPTURE(op_kind_name(g1.ops[i].kind));
      CHECK(g1.ops[i].version == original->ops[i].version);
    }
  }
}

TEST_CASE("tflite writer: person_detect_int8 gets today's versions for int8 kernels") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("person_detect_int8.tflite"));
  REQUIRE(g.has_value());
  Graph g1 = read_or_fail(write_or_fail(*g), "person_detect_int8.tflite");
  for (const Op& op : g1.ops) {
    CAPTURE(op_kind_name(op.kind));
    if (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D) CHECK(op.version == 3);  // int8 in/w/out
    if (op.kind == OpKind::AveragePool2D || op.kind == OpKind::Softmax) CHECK(op.version == 2);   // int8 input
    if (op.kind == OpKind::Reshape) CHECK(op.version == 1);
  }
}

TEST_CASE("tflite writer: layout TFLite Micro expects") {
  SKIP_WITHOUT_SHARED();
  for (const std::string& file : {std::string("kws_dscnn_int8.tflite"), std::string("fmnist_cnn_float.tflite")}) {
    CAPTURE(file);
    Expected<Graph> g = read_tflite_file(test::shared_model(file));
    REQUIRE(g.has_value());
    std::vector<uint8_t> bytes = write_or_fail(*g);
    flatbuffers::Verifier verifier(bytes.data(), bytes.size());
    REQUIRE(tflite::VerifyModelBuffer(verifier));
    const tflite::Model* m = tflite::GetModel(bytes.data());
    CHECK(m->version() == 3);
    CHECK((m->buffers()->Get(0)->data() == nullptr || m->buffers()->Get(0)->data()->size() == 0));
    // Constants: each its own buffer, 16-byte aligned from the start of the file; activations use buffer 0.
    const auto* tensors = m->subgraphs()->Get(0)->tensors();
    std::set<uint32_t> used;
    for (uint32_t i = 0; i < tensors->size(); ++i) {
      const tflite::Tensor* t = tensors->Get(i);
      CAPTURE(t->name()->str());
      CHECK(t->quantization() != nullptr);
      if (!g->tensors[i].is_constant) {
        CHECK(t->buffer() == 0);
        continue;
      }
      CHECK(used.insert(t->buffer()).second);
      const auto* data = m->buffers()->Get(t->buffer())->data();
      REQUIRE(data != nullptr);
      CHECK((data->data() - bytes.data()) % 16 == 0);
    }
    // Operator codes: unique, both code fields set, deprecated = min(code, 127).
    std::set<std::pair<int, int>> seen;
    for (const tflite::OperatorCode* c : *m->operator_codes()) {
      CHECK(seen.insert({static_cast<int>(c->builtin_code()), c->version()}).second);
      CHECK(c->deprecated_builtin_code() == std::min(static_cast<int>(c->builtin_code()), 127));
      CHECK(c->version() >= 1);
    }
    // min_runtime_version is kept.
    bool has_runtime = false;
    for (const tflite::Metadata* md : *m->metadata()) has_runtime |= md->name()->str() == "min_runtime_version";
    CHECK(has_runtime);
  }
}

TEST_CASE("tflite writer: int8 conv gets version 3 and min_runtime_version is raised, never lowered") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("kws_dscnn_int8.tflite"));
  REQUIRE(g.has_value());
  g->metadata.clear();  // no entry: the writer adds one
  Graph g1 = read_or_fail(write_or_fail(*g), "x.tflite");
  CHECK(g1.ops[0].version == 3);   // int8 CONV_2D
  CHECK(g1.ops[11].version == 4);  // int8 FULLY_CONNECTED
  REQUIRE(g1.metadata.size() == 1);
  CHECK(g1.metadata[0].name == "min_runtime_version");
  CHECK(g1.metadata[0].data.size() == 16);
  CHECK(std::string(reinterpret_cast<const char*>(g1.metadata[0].data.data())) == "1.14.0");
  // A stale lower value (e.g. kept from the float model) is raised to what the int8 ops need.
  g->metadata = {{"min_runtime_version", {'1', '.', '5', '.', '0'}}};
  Graph g2 = read_or_fail(write_or_fail(*g), "x.tflite");
  CHECK(std::string(reinterpret_cast<const char*>(g2.metadata[0].data.data())) == "1.14.0");
}

TEST_CASE("tflite writer: write_tflite_file writes a readable file") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("hello_world_float.tflite"));
  REQUIRE(g.has_value());
  const std::filesystem::path out = std::filesystem::temp_directory_path() / "tinyopt_tflite_writer_test.tflite";
  REQUIRE(write_tflite_file(*g, out).has_value());
  Expected<Graph> back = read_tflite_file(out);
  REQUIRE(back.has_value());
  check_same_graph(*g, *back);
  std::filesystem::remove(out);
  CHECK(!write_tflite_file(*g, "/nonexistent/dir/out.tflite").has_value());
}

}  // namespace tinyopt
