// formats/model_reader.cc: content-based dispatch between the TFLite and ONNX readers.
#include "formats/model_reader.h"

#include <cstring>

#include "formats/atomic_file.h"
#include "formats/tflite/reader.h"

namespace tinyopt {

ModelFormat detect_model_format(std::span<const uint8_t> bytes) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data() + 4, "TFL3", 4) == 0) return ModelFormat::TFLite;
  // Protobuf has no magic number, but every ONNX writer emits ModelProto's fields in number order, and field 1
  // (ir_version, a varint) is always set: its tag byte 0x08 comes first.
  if (!bytes.empty() && bytes[0] == 0x08) return ModelFormat::Onnx;
  return ModelFormat::TFLite;  // neither: the TFLite reader says what is wrong, and the message adds ONNX
}

const char* model_format_name(ModelFormat f) { return f == ModelFormat::Onnx ? "onnx" : "tflite"; }

Expected<Graph> read_model(std::span<const uint8_t> bytes, std::string source_name, const ModelReadOptions& options) {
  if (detect_model_format(bytes) == ModelFormat::Onnx) return read_onnx(bytes, std::move(source_name), options.onnx);
  Expected<Graph> g = read_tflite(bytes, std::move(source_name));
  if (g) return g;
  Error e = g.take_error();
  if (bytes.size() < 8 || std::memcmp(bytes.data() + 4, "TFL3", 4) != 0)
    e.message += " (nor an ONNX model: it does not start with an ONNX ModelProto)";
  return e;
}

Expected<Graph> read_model_file(const std::filesystem::path& path, const ModelReadOptions& options) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.take_error();
  return read_model(*bytes, path.string(), options);
}

}  // namespace tinyopt
