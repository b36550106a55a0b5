// formats/model_reader.h: the one place models are read: a TFLite flatbuffer or an ONNX protobuf, told apart
// by content (a TFLite file has the identifier "TFL3" at bytes 4..7; anything else is parsed as ONNX), never by
// the file name. Every command and the pass driver read models through here.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "formats/onnx/reader.h"
#include "ir/graph.h"

namespace tinyopt {

enum class ModelFormat { TFLite, Onnx };

struct ModelReadOptions {
  OnnxReadOptions onnx;  // used when the model is ONNX
};

// The format of a model file's bytes (TFLite when they carry its identifier, else ONNX).
ModelFormat detect_model_format(std::span<const uint8_t> bytes);
const char* model_format_name(ModelFormat f);  // "tflite", "onnx"

Expected<Graph> read_model(std::span<const uint8_t> bytes, std::string source_name, const ModelReadOptions& options = {});
Expected<Graph> read_model_file(const std::filesystem::path& path, const ModelReadOptions& options = {});

}  // namespace tinyopt
