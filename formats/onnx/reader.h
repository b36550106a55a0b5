// formats/onnx/reader.h: reading a float ONNX model (the files torch.onnx.export writes, opsets 11-17) into a
// Graph that the rest of tinyopt treats like a float .tflite.
//
// Stages: (1) protobuf parse, bounded by the file size, with a recursion limit, and checked: a ModelProto with a
// graph, an IR version and an ai.onnx opset in 11..17; (2) every node's op checked first, so that one error lists
// every unsupported node (name and op); (3) initializers read with their sizes checked (external data refused);
// (4) graph inputs: float32, static except the batch dimension (set to 1); (5) nodes converted in order, NCHW to
// NHWC for the whole graph (formats/onnx/importer.h), constant subgraphs (Shape/Gather/Concat/... chains)
// evaluated at import, BatchNormalization folded into the conv before it, Relu/Clip fused into their producer;
// (6) outputs named as in ONNX (rank-4 outputs stay NHWC); (7) Graph::validate().
//
// The graph input becomes NHWC; with keep_nchw_input it stays NCHW and a leading TRANSPOSE makes it NHWC. The
// Graph's description says which, so `inspect` shows it and the converted .tflite keeps it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "ir/graph.h"

namespace tinyopt {

struct OnnxReadOptions {
  bool keep_nchw_input = false;  // keep rank-4 graph inputs NCHW, with a TRANSPOSE to NHWC after them
};

// The ai.onnx opsets this reader converts.
inline constexpr int64_t kMinOnnxOpset = 11;
inline constexpr int64_t kMaxOnnxOpset = 17;

Expected<Graph> read_onnx(std::span<const uint8_t> bytes, std::string source_name, const OnnxReadOptions& options = {});
Expected<Graph> read_onnx_file(const std::filesystem::path& path, const OnnxReadOptions& options = {});

}  // namespace tinyopt
