// formats/tflite/reader.h: reading a TensorFlow Lite flatbuffer model (subgraph 0) into a Graph.
//
// Stages: (1) check the size and the "TFL3" file identifier, then run the flatbuffers Verifier over the whole
// buffer before touching any field; (2) model-level checks: schema version 3, exactly one subgraph, every operator
// code supported (an error lists every unsupported op with its index); (3) tensors: dtype, shape (no negative or
// huge dimensions), quantization, constant bytes from the inline or the offset/size buffer form, sized exactly
// shape x dtype; (4) ops: opcode, tensor indices, options; (5) "hybrid" float models, whose constant weights are
// int8 with a scale while activations are float, get those weights dequantized to float32; (6) metadata and
// description are kept; (7) Graph::validate().
//
// Every error is Errc::BadInput (Errc::Unsupported for well-formed features tinyopt lacks) and names the file,
// the op or tensor, and the offending value. Nothing read from the file drives an allocation larger than the
// file itself (dequantized weights: 4x).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "ir/graph.h"

namespace tinyopt {

// Reads a .tflite file; Graph::source is the path as given.
Expected<Graph> read_tflite_file(const std::filesystem::path& path);

// Reads a model from memory; `source_name` names it in errors and becomes Graph::source.
Expected<Graph> read_tflite(std::span<const uint8_t> bytes, std::string source_name);

}  // namespace tinyopt
