// tests/formats/tflite_corrupt_test.cc: malformed and unsupported TFLite inputs. Each must give one Error whose
// message names the file and the offending item (never a crash, hang or huge allocation). Inputs are built here:
// by hand with FlatBufferBuilder, or by damaging the shared models.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include "formats/atomic_file.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/schema_generated.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// A small model described field by field, so that a test can break exactly one field.
struct TensorSpec {
  std::vector<int32_t> shape;
  tflite::TensorType type = tflite::TensorType::FLOAT32;
  uint32_t buffer = 0;
  std::string name;
  std::vector<float> scale;       // quantization, when not empty
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
};
struct BufferSpec {
  std::vector<uint8_t> data;
  uint64_t offset = 0, size = 0;  // offset/size form when offset > 1
};
struct CodeSpec {
  int32_t builtin = 0;
  int8_t deprecated = 0;
  std::string custom;
};
struct OpSpec {
  uint32_t opcode = 0;
  std::vector<int32_t> inputs, outputs;
  tflite::BuiltinOptions options = tflite::BuiltinOptions::NONE;  // Conv2DOptions: written with stride_w 0
};
struct ModelSpec {
  uint32_t version = 3;
  std::vector<CodeSpec> codes;
  std::vector<TensorSpec> tensors;
  std::vector<BufferSpec> buffers;
  std::vector<OpSpec> ops;
  std::vector<int32_t> inputs, outputs;
  int subgraphs = 1;
  std::vector<uint8_t> trailer;  // bytes appended after the flatbuffer (offset/size buffers point here)
};

// A float32 tensor without quantization.
TensorSpec f32(std::vector<int32_t> shape, uint32_t buffer, std::string name) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.buffer = buffer;
  t.name = std::move(name);
  return t;
}

std::vector<uint8_t> floats(std::initializer_list<float> v) {
  std::vector<uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

// FULLY_CONNECTED: input [1,4] x weights [2,4] + bias [2] -> output [1,2].
ModelSpec fc_model() {
  ModelSpec m;
  m.codes = {{9, 9, ""}};
  m.tensors = {f32({1, 4}, 0, "input"),
               f32({2, 4}, 1, "weights"),
               f32({2}, 2, "bias"),
               f32({1, 2}, 0, "output")};
  m.buffers = {{}, {floats({1, 2, 3, 4, 5, 6, 7, 8})}, {floats({0.5f, -0.5f})}};
  m.ops = {{0, {0, 1, 2}, {3}}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

std::vector<uint8_t> build(const ModelSpec& spec) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
  for (const BufferSpec& b : spec.buffers)
    buffers.push_back(tflite::CreateBuffer(fbb, b.data.empty() ? 0 : fbb.CreateVector(b.data), b.offset, b.size));
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (const TensorSpec& t : spec.tensors) {
    flatbuffers::Offset<tflite::QuantizationParameters> quant;
    if (!t.scale.empty())
      quant = tflite::CreateQuantizationParameters(fbb, 0, 0, fbb.CreateVector(t.scale), fbb.CreateVector(t.zero_point),
                                                   tflite::QuantizationDetails::NONE, 0, t.quantized_dimension);
    tensors.push_back(tflite::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, t.buffer, fbb.CreateString(t.name),
                                           quant));
  }
  std::vector<flatbuffers::Offset<tflite::Operator>> ops;
  for (const OpSpec& o : spec.ops) {
    flatbuffers::Offset<void> options;
    if (o.options == tflite::BuiltinOptions::Conv2DOptions)
      options = tflite::CreateConv2DOptions(fbb, tflite::Padding::VALID, /*stride_w=*/0, /*stride_h=*/1).Union();
    ops.push_back(tflite::CreateOperator(fbb, o.opcode, fbb.CreateVector(o.inputs), fbb.CreateVector(o.outputs),
                                         o.options, options));
  }
  std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
  for (int i = 0; i < spec.subgraphs; ++i)
    subgraphs.push_back(tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(spec.inputs),
                                               fbb.CreateVector(spec.outputs), fbb.CreateVector(ops)));
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  for (const CodeSpec& c : spec.codes)
    codes.push_back(tflite::CreateOperatorCode(fbb, c.deprecated, c.custom.empty() ? 0 : fbb.CreateString(c.custom), 1,
                                               static_cast<tflite::BuiltinOperator>(c.builtin)));
  auto model = tflite::CreateModel(fbb, spec.version, fbb.CreateVector(codes), fbb.CreateVector(subgraphs), 0,
                                   fbb.CreateVector(buffers));
  tflite::FinishModelBuffer(fbb, model);
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  bytes.insert(bytes.end(), spec.trailer.begin(), spec.trailer.end());
  return bytes;
}

// The one-line error text of reading `bytes` as "model.tflite" (fails the test if reading succeeds).
std::string error_of(std::span<const uint8_t> bytes) {
  Expected<Graph> g = read_tflite(bytes, "model.tflite");
  if (g.has_value()) {
    FAIL_CHECK("expected an error, but the model was read");
    return {};
  }
  return g.error().to_string();
}
std::string error_of(const ModelSpec& spec) { return error_of(build(spec)); }

std::vector<uint8_t> shared_bytes(const std::string& file) {
  auto bytes = read_file(test::shared_model(file));
  REQUIRE(bytes.has_value());
  return std::move(*bytes);
}

}  // namespace

TEST_CASE("tflite corrupt: the hand-built base model is valid") {
  Expected<Graph> g = read_tflite(build(fc_model()), "model.tflite");
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  CHECK(g->ops.size() == 1);
  CHECK(g->ops[0].kind == OpKind::FullyConnected);
  CHECK(g->tensor(1).values<float>()[7] == 8.0f);
}

TEST_CASE("tflite corrupt: truncated files") {
  std::vector<uint8_t> bytes = build(fc_model());
  CHECK(error_of(std::span(bytes).first(5)) == "model.tflite: file is truncated or not a TFLite model (5 bytes)");
  CHECK(error_of(std::span(bytes).first(bytes.size() / 2)) ==
        "model.tflite: corrupt or truncated flatbuffer (the flatbuffers verifier rejected it)");
}

TEST_CASE("tflite corrupt: every truncation of a real model is an error, never a crash") {
  SKIP_WITHOUT_SHARED();
  std::vector<uint8_t> bytes = shared_bytes("hello_world_float.tflite");
  for (size_t n = 0; n < bytes.size(); n += 1 + n / 16) {
    CAPTURE(n);
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(!read_tflite(prefix, "hello_world_float.tflite").has_value());
  }
}

TEST_CASE("tflite corrupt: random bytes and a wrong file identifier") {
  std::mt19937 rng(1234);
  std::vector<uint8_t> noise(4096);
  for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
  std::memcpy(noise.data() + 4, "junk", 4);
  CHECK(error_of(noise) == "model.tflite: not a TFLite model: file identifier is 'junk', expected 'TFL3'");
  std::memcpy(noise.data() + 4, "TFL3", 4);  // right identifier, garbage flatbuffer
  CHECK(error_of(noise) == "model.tflite: corrupt or truncated flatbuffer (the flatbuffers verifier rejected it)");

  std::vector<uint8_t> bytes = build(fc_model());
  std::memcpy(bytes.data() + 4, "TFL\x01", 4);
  CHECK(error_of(bytes) == "model.tflite: not a TFLite model: file identifier is 'TFL\\x01', expected 'TFL3'");
}

TEST_CASE("tflite corrupt: random mutations of a real model never crash") {
  SKIP_WITHOUT_SHARED();
  const std::vector<uint8_t> original = shared_bytes("fmnist_cnn_float.tflite");
  std::mt19937 rng(42);  // seed in the failure context
  // The flatbuffer tables sit at the front, the weights behind them; mutate the table region mostly.
  const size_t region = std::min<size_t>(original.size(), 4096);
  int ok = 0, failed = 0;
  for (int trial = 0; trial < 300; ++trial) {
    CAPTURE(trial);
    std::vector<uint8_t> bytes = original;
    for (int k = 0; k < 4; ++k) {
      size_t pos = rng() % 2 ? rng() % region : original.size() - 1 - rng() % region;
      bytes[pos] = static_cast<uint8_t>(rng());
    }
    (read_tflite(bytes, "fmnist.tflite").has_value() ? ok : failed)++;
  }
  CHECK(ok + failed == 300);
}

TEST_CASE("tflite corrupt: out-of-range indices") {
  {
    ModelSpec m = fc_model();
    m.tensors[1].buffer = 7;
    CHECK(error_of(m) == "model.tflite: tensor 'weights': buffer index 7 is out of range (model has 3 buffers)");
  }
  {
    ModelSpec m = fc_model();
    m.ops[0].inputs = {0, 9, 2};
    CHECK(error_of(m) ==
          "model.tflite: op #0 FULLY_CONNECTED: input 1 refers to tensor 9, but the subgraph has 4 tensors");
  }
  {
    ModelSpec m = fc_model();
    m.ops[0].outputs = {-1};
    CHECK(error_of(m) ==
          "model.tflite: op #0 FULLY_CONNECTED: output 0 refers to tensor -1, but the subgraph has 4 tensors");
  }
  {
    ModelSpec m = fc_model();
    m.ops[0].opcode = 5;
    CHECK(error_of(m) == "model.tflite: op #0: opcode index 5 is out of range (model has 1 operator codes)");
  }
  {
    ModelSpec m = fc_model();
    m.outputs = {4};
    CHECK(error_of(m) == "model.tflite: graph output 0 refers to tensor 4, but the subgraph has 4 tensors");
  }
}

TEST_CASE("tflite corrupt: negative and huge dimensions") {
  {
    ModelSpec m = fc_model();
    m.tensors[0].shape = {1, -4};
    CHECK(error_of(m) == "model.tflite: tensor 'input': dimension 1 of shape [1,-4] is negative");
  }
  {
    ModelSpec m = fc_model();
    m.tensors[3].shape = {65536, 65536, 2};
    CHECK(error_of(m) == "model.tflite: tensor 'output': shape [65536,65536,2] has more than 2147483648 elements");
  }
  {
    ModelSpec m = fc_model();
    m.tensors[3].shape = std::vector<int32_t>(9, 1);
    CHECK(error_of(m) == "model.tflite: tensor 'output': rank 9 exceeds the maximum of 8");
  }
}

TEST_CASE("tflite corrupt: buffer size disagrees with shape x dtype") {
  ModelSpec m = fc_model();
  m.buffers[1].data.pop_back();
  CHECK(error_of(m) == "model.tflite: tensor 'weights': buffer 1 has 31 bytes but shape [2,4] of float32 needs 32");
  m = fc_model();
  m.tensors[2].type = tflite::TensorType::INT8;  // 8 bytes of data for 2 int8 elements
  CHECK(error_of(m) == "model.tflite: tensor 'bias': buffer 2 has 8 bytes but shape [2] of int8 needs 2");
}

TEST_CASE("tflite corrupt: buffers in offset/size form") {
  ModelSpec m = fc_model();
  // Weights stored after the flatbuffer. The offset counts from the start of the file, so build once to learn
  // the flatbuffer's size (the offset's value does not change the flatbuffer's length).
  m.buffers[1] = {{}, 1000, 32};
  const size_t fb_size = build(m).size();
  m.buffers[1].offset = fb_size;
  m.trailer = floats({8, 7, 6, 5, 4, 3, 2, 1});
  Expected<Graph> g = read_tflite(build(m), "model.tflite");
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  CHECK(g->tensor(1).values<float>()[0] == 8.0f);
  CHECK(g->tensor(1).values<float>()[7] == 1.0f);

  m.buffers[1].offset = fb_size + 4;  // runs 4 bytes past the end
  CHECK(error_of(m) == fmt::format("model.tflite: tensor 'weights': buffer 1: offset {} + size 32 is outside the "
                                   "file ({} bytes)", fb_size + 4, fb_size + 32));
  m.buffers[1].offset = ~uint64_t{0} - 8;  // offset + size overflows 64 bits
  CHECK(error_of(m).find("is outside the file") != std::string::npos);
}

TEST_CASE("tflite corrupt: a graph cycle") {
  // op #0 ADD(input, t2) -> t1; op #1 RELU(t1) -> t2: t2 feeds op #0 before it exists.
  ModelSpec m;
  m.codes = {{0, 0, ""}, {19, 19, ""}};
  m.tensors = {f32({1, 4}, 0, "input"),
               f32({1, 4}, 0, "t1"),
               f32({1, 4}, 0, "t2")};
  m.buffers = {{}};
  m.ops = {{0, {0, 2}, {1}}, {1, {1}, {2}}};
  m.inputs = {0};
  m.outputs = {2};
  CHECK(error_of(m) ==
        "model.tflite: op #0 ADD, tensor 't2': input is produced by a later op (graph cycle or bad op order)");
}

TEST_CASE("tflite corrupt: every unsupported op is listed with its index") {
  ModelSpec m = fc_model();
  // LSTM (16), CUMSUM (128: deprecated code holds the placeholder 127), GATHER (36), a custom op.
  m.codes = {{9, 9, ""}, {16, 16, ""}, {128, 127, ""}, {36, 36, ""}, {32, 32, "MyOp"}};
  m.ops = {{0, {0, 1, 2}, {3}}, {1, {3}, {3}}, {2, {3}, {3}}, {3, {3}, {3}}, {0, {0, 1, 2}, {3}}, {4, {3}, {3}}};
  Expected<Graph> g = read_tflite(build(m), "model.tflite");
  REQUIRE(!g.has_value());
  CHECK(g.error().code == Errc::Unsupported);
  CHECK(g.error().to_string() == "model.tflite: 4 unsupported ops: #1 LSTM, #2 CUMSUM, #3 GATHER, #5 CUSTOM(MyOp)");
}

TEST_CASE("tflite reader: operator code is max(builtin_code, deprecated_builtin_code)") {
  ModelSpec m = fc_model();
  m.codes = {{0, 9, ""}};  // an old writer: only the deprecated byte is set
  Expected<Graph> g = read_tflite(build(m), "model.tflite");
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  CHECK(g->ops[0].kind == OpKind::FullyConnected);
}

TEST_CASE("tflite corrupt: several subgraphs and other schema versions") {
  ModelSpec m = fc_model();
  m.subgraphs = 2;
  CHECK(error_of(m) == "model.tflite: model has 2 subgraphs; only single-subgraph models are supported (control "
                       "flow such as IF, WHILE or CALL_ONCE is not)");
  m = fc_model();
  m.subgraphs = 0;
  CHECK(error_of(m) == "model.tflite: model has no subgraphs");
  m = fc_model();
  m.version = 2;
  CHECK(error_of(m) == "model.tflite: schema version 2 is not supported (expected 3)");
}

TEST_CASE("tflite corrupt: options of the wrong type or out of range") {
  ModelSpec m = fc_model();
  m.ops[0].options = tflite::BuiltinOptions::Conv2DOptions;
  CHECK(error_of(m) ==
        "model.tflite: op #0 FULLY_CONNECTED: builtin options are Conv2DOptions, expected FullyConnectedOptions");
  m.codes = {{3, 3, ""}};  // the same op read as CONV_2D: its stride_w of 0 is rejected before any division by it
  CHECK(error_of(m) == "model.tflite: op #0 CONV_2D: option stride_w is 0 (must be >= 1)");
}

TEST_CASE("tflite reader: hybrid per-channel int8 weights are dequantized along their axis") {
  // FULLY_CONNECTED with float activations and int8 weights [2,4], scales {0.5, 0.25} on axis 0, zero points {0, 2}.
  ModelSpec m = fc_model();
  m.tensors[1].type = tflite::TensorType::INT8;
  m.tensors[1].scale = {0.5f, 0.25f};
  m.tensors[1].zero_point = {0, 2};
  m.buffers[1].data = {1, 2, 3, 4, 4, 6, 8, static_cast<uint8_t>(-2)};
  Expected<Graph> g = read_tflite(build(m), "model.tflite");
  REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().to_string()));
  const Tensor& w = g->tensor(1);
  CHECK(w.dtype == DType::Float32);
  CHECK(!w.quant.has_value());
  // row 0: 0.5 * q; row 1: 0.25 * (q - 2)
  const std::vector<float> expected = {0.5f, 1.0f, 1.5f, 2.0f, 0.5f, 1.0f, 1.5f, -1.0f};
  CHECK(std::vector<float>(w.values<float>().begin(), w.values<float>().end()) == expected);
}

TEST_CASE("tflite corrupt: per-channel quantization that does not fit the shape") {
  ModelSpec m = fc_model();
  m.tensors[1].type = tflite::TensorType::INT8;
  m.buffers[1].data.resize(8);
  m.tensors[1].scale = {0.5f, 0.25f, 1.0f};
  m.tensors[1].zero_point = {0, 0, 0};
  CHECK(error_of(m) == "model.tflite: tensor 'weights': 3 per-channel scales but dimension 0 of shape [2,4] has size 2");
  m.tensors[1].zero_point = {0};
  CHECK(error_of(m) == "model.tflite: tensor 'weights': quantization has 3 scales but 1 zero points");
  m.tensors[1].scale = {0.5f, 0.25f};
  m.tensors[1].zero_point = {0, 0};
  m.tensors[1].quantized_dimension = 5;
  CHECK(error_of(m) == "model.tflite: tensor 'weights': quantized dimension 5 is outside shape [2,4]");
}

TEST_CASE("tflite corrupt: unsupported tensor types") {
  ModelSpec m = fc_model();
  m.tensors[0].type = tflite::TensorType::STRING;
  CHECK(error_of(m) == "model.tflite: tensor 'input': tensor type STRING is not supported");
}

}  // namespace tinyopt

// --- quantization parameters: every one is checked on read, before anything computes with it ---------------

namespace tinyopt {
namespace {

// fc_model() with hybrid int8 weights (float activations): the reader dequantizes them with these parameters.
ModelSpec hybrid_fc_model(std::vector<float> scale, std::vector<int64_t> zero_point) {
  ModelSpec m = fc_model();
  m.tensors[1].type = tflite::TensorType::INT8;
  m.tensors[1].scale = std::move(scale);
  m.tensors[1].zero_point = std::move(zero_point);
  m.buffers[1].data = {1, 2, 3, 4, 5, 6, 7, 8};
  return m;
}

// `bytes` with the zero_point vector of tensor `tensor` copied to the end of the file at an offset of 0 mod 8,
// so that its int64 elements start at 4 mod 8, and the table pointing there. The flatbuffers 2.0 verifier checks
// only the 4-byte length field's alignment, so it lets this through.
std::vector<uint8_t> with_misaligned_zero_points(std::vector<uint8_t> bytes, uint32_t tensor) {
  const tflite::Model* m = tflite::GetModel(bytes.data());
  const tflite::QuantizationParameters* q = m->subgraphs()->Get(0)->tensors()->Get(tensor)->quantization();
  // The table starts with the signed offset back to its vtable; the vtable holds each field's offset in the table.
  const auto* table = reinterpret_cast<const uint8_t*>(q);
  const uint8_t* vtable = table - flatbuffers::ReadScalar<int32_t>(table);
  const size_t field = static_cast<size_t>(table - bytes.data()) +
                       flatbuffers::ReadScalar<uint16_t>(vtable + tflite::QuantizationParameters::VT_ZERO_POINT);
  const auto* zp = reinterpret_cast<const uint8_t*>(q->zero_point());  // the length field
  const std::vector<uint8_t> vector(zp, zp + 4 + 8 * q->zero_point()->size());
  while (bytes.size() % 8 != 0) bytes.push_back(0);
  const auto relative = static_cast<uint32_t>(bytes.size() - field);  // a uoffset counts from the field itself
  bytes.insert(bytes.end(), vector.begin(), vector.end());
  std::memcpy(bytes.data() + field, &relative, 4);
  return bytes;
}

std::filesystem::path regression_input(const std::string& file) {
  return std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz/regressions/tflite_reader" / file;
}

}  // namespace

TEST_CASE("tflite quantization: zero points must lie in the tensor type's range") {
  // The fuzzer's first finding: INT64_MIN on hybrid int8 weights overflowed `q - zero_point` while dequantizing.
  CHECK(error_of(hybrid_fc_model({0.5f}, {INT64_MIN})) ==
        "model.tflite: tensor 'weights': quantization zero point -9223372036854775808 (channel 0) is outside the "
        "int8 range [-128, 127]");
  CHECK(error_of(hybrid_fc_model({0.5f, 0.25f}, {0, 128})) ==
        "model.tflite: tensor 'weights': quantization zero point 128 (channel 1) is outside the int8 range [-128, 127]");
  CHECK(read_tflite(build(hybrid_fc_model({0.5f, 0.25f}, {-128, 127})), "model.tflite").has_value());
  ModelSpec m = hybrid_fc_model({0.5f}, {256});
  m.tensors[1].type = tflite::TensorType::UINT8;
  CHECK(error_of(m) ==
        "model.tflite: tensor 'weights': quantization zero point 256 (channel 0) is outside the uint8 range [0, 255]");
  m.tensors[1].zero_point = {-1};
  CHECK(error_of(m).find("zero point -1 (channel 0) is outside the uint8 range") != std::string::npos);
}

TEST_CASE("tflite quantization: scales must be positive and finite, the quantized dimension inside the shape") {
  for (float bad : {0.0f, -0.5f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    CAPTURE(bad);
    CHECK(error_of(hybrid_fc_model({0.5f, bad}, {0, 0})).find("tensor 'weights': quantization scale") !=
          std::string::npos);
  }
  CHECK(error_of(hybrid_fc_model({0.0f}, {0})) ==
        "model.tflite: tensor 'weights': quantization scale 0 (channel 0) is not a positive finite number");
  ModelSpec m = hybrid_fc_model({0.5f}, {0});
  m.tensors[1].quantized_dimension = -1;  // per-tensor: the dimension is unused, but must still be valid
  CHECK(error_of(m) == "model.tflite: tensor 'weights': quantized dimension -1 is outside shape [2,4]");
  m.tensors[1].quantized_dimension = 2;
  CHECK(error_of(m) == "model.tflite: tensor 'weights': quantized dimension 2 is outside shape [2,4]");
}

TEST_CASE("tflite quantization: an int64 zero_point vector at a misaligned offset is an error, not a misaligned load") {
  // The fuzzer's second finding: UBSan's "load of misaligned address" in flatbuffers' vector access.
  const std::vector<uint8_t> aligned = build(hybrid_fc_model({0.5f, 0.25f}, {0, 2}));
  REQUIRE(read_tflite(aligned, "model.tflite").has_value());
  const std::vector<uint8_t> bytes = with_misaligned_zero_points(aligned, 1);
  CHECK(error_of(bytes).starts_with("model.tflite: tensor 'weights': quantization zero_point vector at byte "));
  CHECK(error_of(bytes).ends_with(" is not 8-byte aligned"));
}

TEST_CASE("tflite quantization: the committed regression inputs of both findings give one clean error") {
  // Regenerate them with TINYOPT_WRITE_FUZZ_REGRESSIONS=1 build/tests_formats -tc='tflite quantization: the*'.
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> crafted = {
      {"hybrid_zero_point_int64_min.tflite", build(hybrid_fc_model({0.5f}, {INT64_MIN}))},
      {"misaligned_zero_point_vector.tflite", with_misaligned_zero_points(build(hybrid_fc_model({0.5f, 0.25f}, {0, 2})), 1)},
  };
  if (std::getenv("TINYOPT_WRITE_FUZZ_REGRESSIONS"))
    for (const auto& [file, bytes] : crafted) REQUIRE(write_file_atomically(regression_input(file), bytes).has_value());
  for (const auto& entry : crafted) {
    const std::string& file = entry.first;  // not a structured binding: CAPTURE takes it in a lambda (clang 14)
    CAPTURE(file);
    Expected<Graph> g = read_tflite_file(regression_input(file));
    REQUIRE(!g.has_value());
    CHECK(g.error().code == Errc::BadInput);
    const std::string message = g.error().to_string();
    CHECK(message.find("tensor 'weights': quantization zero") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

}  // namespace tinyopt
