// formats/onnx/reader.cc: bytes -> onnx::ModelProto (bounded, checked) -> Importer (importer.h).
//
// ONNX facts used (onnx.proto): ModelProto.ir_version is set by every writer (IR 3 is ONNX 1.0); the ai.onnx
// operator set is the opset_import entry whose domain is "" or "ai.onnx"; a graph's nodes are topologically
// sorted. Protobuf's wire format carries no magic number, so "is this ONNX" is: it parses, and it has an IR
// version and a graph.
#include "formats/onnx/reader.h"

#include <google/protobuf/io/coded_stream.h>

#include "formats/atomic_file.h"
#include "formats/onnx/importer.h"

namespace tinyopt {
namespace {

// Protobuf messages are limited to 2 GB; ONNX files larger than that use external data, which is refused.
constexpr size_t kMaxOnnxBytes = (size_t{1} << 31) - 1;
// Nesting depth of messages (graphs inside attributes inside nodes...); a flat CNN needs about 6.
constexpr int kMaxRecursion = 64;

}  // namespace

Expected<Graph> read_onnx(std::span<const uint8_t> bytes, std::string source_name, const OnnxReadOptions& options) {
  const Location file{.file = source_name};
  if (bytes.size() > kMaxOnnxBytes)
    return fail(Errc::BadInput, file, "file is {} bytes; ONNX protobufs are limited to 2 GB", bytes.size());
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(static_cast<int>(bytes.size()));
  in.SetRecursionLimit(kMaxRecursion);
  if (!model.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    return fail(Errc::BadInput, file, "not an ONNX model: the protobuf is corrupt or truncated ({} bytes)", bytes.size());
  if (model.ir_version() <= 0 || !model.has_graph())
    return fail(Errc::BadInput, file, "not an ONNX model (no IR version or no graph){}",
                bytes.size() < 64 ? " or truncated" : "");
  int64_t opset = -1;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 0) {
    if (model.ir_version() >= 3) return fail(Errc::BadInput, file, "the model imports no ai.onnx opset");
    opset = 1;
  }
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset)
    return fail(Errc::Unsupported, file, "opset {} is not supported (tinyopt reads opsets {}..{}: re-export with "
                "torch.onnx.export(..., opset_version=13))", opset, kMinOnnxOpset, kMaxOnnxOpset);
  for (const auto& f : model.functions())
    return fail(Errc::Unsupported, file, "model-local functions ('{}') are not supported", f.name());
  onnx_format::Importer importer(model, source_name, options, opset);
  return importer.run();
}

Expected<Graph> read_onnx_file(const std::filesystem::path& path, const OnnxReadOptions& options) {
  auto bytes = read_file(path, kMaxOnnxBytes);
  if (!bytes) return bytes.take_error();
  return read_onnx(*bytes, path.string(), options);
}

}  // namespace tinyopt
