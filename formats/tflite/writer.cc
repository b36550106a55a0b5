// formats/tflite/writer.cc: Graph -> TFLite flatbuffer (see writer.h for the layout).
//
// The flatbuffer is built back to front, so buffer data created first ends up at the end of the file, as in
// files the TFLite converter writes. Alignment: Buffer.data is declared force_align 16 in the schema, which the
// builder honours through ForceVectorAlignment; the builder pads the finished buffer so that offsets from its
// start keep that alignment.
#include "formats/tflite/writer.h"

#include <cstring>
#include <map>
#include <tuple>

#include "formats/atomic_file.h"
#include "formats/tflite/op_mapping.h"
#include "formats/tflite/op_version.h"
#include "formats/tflite/schema_generated.h"

namespace tinyopt {
namespace {

using tflite_format::builtin_from_kind;

constexpr size_t kBufferAlignment = 16;
constexpr const char* kMinRuntimeKey = "min_runtime_version";
// Flatbuffers address with 32-bit offsets: stay clear of 2 GiB, leaving room for the tables.
constexpr uint64_t kMaxFlatbufferBytes = (uint64_t{1} << 31) - (uint64_t{1} << 24);

tflite::TensorType tflite_type(DType t) {
  switch (t) {
    case DType::Float32: return tflite::TensorType::FLOAT32;
    case DType::Float16: return tflite::TensorType::FLOAT16;
    case DType::Float64: return tflite::TensorType::FLOAT64;
    case DType::Int8: return tflite::TensorType::INT8;
    case DType::UInt8: return tflite::TensorType::UINT8;
    case DType::Int16: return tflite::TensorType::INT16;
    case DType::Int32: return tflite::TensorType::INT32;
    case DType::Int64: return tflite::TensorType::INT64;
    case DType::Bool: return tflite::TensorType::BOOL;
  }
  return tflite::TensorType::FLOAT32;
}

flatbuffers::Offset<tflite::Buffer> aligned_buffer(flatbuffers::FlatBufferBuilder& fbb, std::span<const uint8_t> data) {
  fbb.ForceVectorAlignment(data.size(), sizeof(uint8_t), kBufferAlignment);
  auto vec = fbb.CreateVector(data.data(), data.size());
  return tflite::CreateBuffer(fbb, vec);
}

// The "min_runtime_version" value: a version string NUL-padded to 16 bytes, as the TFLite converter stores it.
std::vector<uint8_t> runtime_version_bytes(std::string_view version) {
  std::vector<uint8_t> bytes(std::max<size_t>(16, version.size()), 0);
  std::memcpy(bytes.data(), version.data(), version.size());
  return bytes;
}

// Metadata to write: the graph's entries, with min_runtime_version raised to what the ops need.
std::vector<MetadataEntry> metadata_to_write(const Graph& g, const std::vector<int>& versions) {
  std::string_view needed = "1.5.0";
  for (size_t i = 0; i < g.ops.size(); ++i) {
    std::string_view v = tflite_format::min_runtime_for(g.ops[i].kind, versions[i]);
    if (tflite_format::runtime_version_less(needed, v)) needed = v;
  }
  std::vector<MetadataEntry> out = g.metadata;
  for (MetadataEntry& e : out) {
    if (e.name != kMinRuntimeKey) continue;
    std::string kept(e.data.begin(), std::find(e.data.begin(), e.data.end(), uint8_t{0}));
    if (kept.empty() || tflite_format::runtime_version_less(kept, needed)) e.data = runtime_version_bytes(needed);
    return out;
  }
  out.push_back({kMinRuntimeKey, runtime_version_bytes(needed)});
  return out;
}

Expected<void> check_ids(const Graph& g) {
  const auto n = static_cast<TensorId>(g.tensors.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId id : g.ops[i].inputs)
      if (id != kNoTensor && (id < 0 || id >= n))
        return fail(Errc::Internal, g.where(static_cast<int>(i)), "cannot write: input tensor id {} of {}", id, n);
    for (TensorId id : g.ops[i].outputs)
      if (id < 0 || id >= n)
        return fail(Errc::Internal, g.where(static_cast<int>(i)), "cannot write: output tensor id {} of {}", id, n);
    for (TensorId id : g.ops[i].intermediates)
      if (id < 0 || id >= n)
        return fail(Errc::Internal, g.where(static_cast<int>(i)), "cannot write: intermediate tensor id {} of {}", id, n);
  }
  for (const auto* list : {&g.inputs, &g.outputs})
    for (TensorId id : *list)
      if (id < 0 || id >= n) return fail(Errc::Internal, {.file = g.source}, "cannot write: graph input/output id {} of {}", id, n);
  uint64_t total = 0;
  for (const Tensor& t : g.tensors) total += t.data.size() + kBufferAlignment;
  for (const MetadataEntry& m : g.metadata) total += m.data.size() + kBufferAlignment;
  if (total > kMaxFlatbufferBytes)
    return fail(Errc::Unsupported, {.file = g.source}, "model data ({} bytes) exceeds the 2 GiB flatbuffer limit", total);
  return {};
}

}  // namespace

Expected<std::vector<uint8_t>> write_tflite(const Graph& g) {
  if (auto ok = check_ids(g); !ok) return ok.take_error();
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  // Every vector and string goes into the buffer in its own statement, in a fixed order (the order of the bytes
  // recorded in tests/passes/data/quantize_sha256.txt): builder calls passed as arguments are evaluated in an order
  // C++ leaves to the compiler, and clang wrote different (equally valid) bytes than gcc.

  // Op versions and deduplicated operator codes, in order of first use.
  std::vector<int> versions(g.ops.size());
  std::vector<std::tuple<tflite::BuiltinOperator, int, std::string_view>> codes;  // code, version, custom name
  std::vector<uint32_t> opcode_index(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    versions[i] = tflite_format::op_version(g, static_cast<int>(i));
    std::tuple<tflite::BuiltinOperator, int, std::string_view> key{builtin_from_kind(g.ops[i].kind), versions[i],
                                                                   tflite_format::custom_code_of(g.ops[i].kind)};
    auto it = std::find(codes.begin(), codes.end(), key);
    opcode_index[i] = static_cast<uint32_t>(it - codes.begin());
    if (it == codes.end()) codes.push_back(key);
  }

  // Buffers: 0 = empty sentinel, then one per constant tensor, then one per metadata entry.
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers{tflite::CreateBuffer(fbb)};
  std::vector<uint32_t> tensor_buffer(g.tensors.size(), 0);
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    if (!t.is_constant || t.data.empty()) continue;
    tensor_buffer[i] = static_cast<uint32_t>(buffers.size());
    buffers.push_back(aligned_buffer(fbb, t.data));
  }
  std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
  for (const MetadataEntry& m : metadata_to_write(g, versions)) {
    const auto index = static_cast<uint32_t>(buffers.size());
    buffers.push_back(aligned_buffer(fbb, m.data));
    metadata.push_back(tflite::CreateMetadata(fbb, fbb.CreateString(m.name), index));
  }

  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    // Arm NN dereferences the quantization table of every tensor, so it is always written (empty for float).
    flatbuffers::Offset<tflite::QuantizationParameters> quant;
    if (t.quant) {
      const auto zero_point = fbb.CreateVector(t.quant->zero_point);
      const auto scale = fbb.CreateVector(t.quant->scale);
      quant = tflite::CreateQuantizationParameters(fbb, 0, 0, scale, zero_point, tflite::QuantizationDetails::NONE, 0,
                                                   t.quant->axis);
    } else {
      quant = tflite::CreateQuantizationParameters(fbb);
    }
    const auto name = fbb.CreateString(t.name);
    const auto shape = fbb.CreateVector(t.shape);
    tensors.push_back(tflite::CreateTensor(fbb, shape, tflite_type(t.dtype), tensor_buffer[i], name, quant, t.is_variable));
  }

  std::vector<flatbuffers::Offset<tflite::Operator>> ops;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    auto [options_type, options] = tflite_format::write_op_options(fbb, op);
    const auto intermediates = op.intermediates.empty() ? 0 : fbb.CreateVector(op.intermediates);
    const auto outputs = fbb.CreateVector(op.outputs);
    const auto inputs = fbb.CreateVector(op.inputs);
    ops.push_back(tflite::CreateOperator(fbb, opcode_index[i], inputs, outputs, options_type, options, 0,
                                         tflite::CustomOptionsFormat::FLEXBUFFERS, 0, intermediates));
  }

  const auto subgraph_name = fbb.CreateString("main");
  const auto ops_vector = fbb.CreateVector(ops);
  const auto subgraph_outputs = fbb.CreateVector(g.outputs);
  const auto subgraph_inputs = fbb.CreateVector(g.inputs);
  const auto tensors_vector = fbb.CreateVector(tensors);
  auto subgraph = tflite::CreateSubGraph(fbb, tensors_vector, subgraph_inputs, subgraph_outputs, ops_vector,
                                         subgraph_name);

  std::vector<flatbuffers::Offset<tflite::OperatorCode>> opcodes;
  for (const auto& [code, version, custom] : codes) {
    // Readers take max(builtin_code, deprecated_builtin_code); codes above 127 store the placeholder 127.
    const auto deprecated = static_cast<int8_t>(std::min<int32_t>(static_cast<int32_t>(code), 127));
    const auto custom_name = custom.empty() ? 0 : fbb.CreateString(custom.data(), custom.size());
    opcodes.push_back(tflite::CreateOperatorCode(fbb, deprecated, custom_name, version, code));
  }

  const auto metadata_vector = fbb.CreateVector(metadata);
  const auto buffers_vector = fbb.CreateVector(buffers);
  const auto description = g.description.empty() ? 0 : fbb.CreateString(g.description);
  const auto subgraphs = fbb.CreateVector(std::vector{subgraph});
  const auto opcodes_vector = fbb.CreateVector(opcodes);
  auto model = tflite::CreateModel(fbb, /*version=*/3, opcodes_vector, subgraphs, description, buffers_vector, 0,
                                   metadata_vector);
  tflite::FinishModelBuffer(fbb, model);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Expected<void> write_tflite_file(const Graph& g, const std::filesystem::path& path) {
  auto bytes = write_tflite(g);
  if (!bytes) return bytes.take_error();
  return write_file_atomically(path, *bytes);
}

}  // namespace tinyopt
