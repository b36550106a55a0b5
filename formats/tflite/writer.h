// formats/tflite/writer.h: writing a Graph as a TensorFlow Lite flatbuffer that TFLite Micro and Arm NN load.
//
// Layout (TFLite schema version 3): buffer 0 is the empty sentinel; each constant tensor gets its own buffer whose
// data is 16-byte aligned from the start of the file; activations point to buffer 0; metadata entries get their
// own buffers after the constants. Tensors keep their Graph ids. Operator codes are deduplicated per
// (builtin, version) in order of first use, with builtin_code and deprecated_builtin_code = min(code, 127) both
// set, and the version TFLite's versioning rules give for the op's dtypes (op_version.h). The
// "min_runtime_version" metadata entry is kept when it already covers the ops, else replaced or added.
//
// Deterministic: the same Graph gives the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

Expected<std::vector<uint8_t>> write_tflite(const Graph& g);

// write_tflite, then write_file_atomically: a failure leaves no partial file at `path`.
Expected<void> write_tflite_file(const Graph& g, const std::filesystem::path& path);

}  // namespace tinyopt
