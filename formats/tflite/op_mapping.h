// formats/tflite/op_mapping.h: the correspondence between TFLite builtin operators / options tables and tinyopt's
// OpKind / OpOptions, used by the reader (flatbuffer -> IR) and the writer (IR -> flatbuffer).
//
// Adding an op: its BuiltinOperator in kind_from_builtin/builtin_from_kind, its options in read_op_options and
// write_op_options, its version rule in op_version.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "formats/tflite/schema_generated.h"
#include "ir/diagnostic.h"
#include "ir/op.h"

namespace tinyopt::tflite_format {

// The OpKind of a builtin operator code, or nullopt when tinyopt does not support it (CUSTOM: see kind_from_custom).
std::optional<OpKind> kind_from_builtin(int32_t builtin_code);
tflite::BuiltinOperator builtin_from_kind(OpKind kind);

// TFLite Micro's decode operator (MicroMutableOpResolver::AddDecode registers it under this custom name).
inline constexpr std::string_view kDecodeCustomCode = "TFLM_DECODE";
// The OpKind of a CUSTOM operator code by its custom name, or nullopt.
std::optional<OpKind> kind_from_custom(std::string_view custom_code);
// The custom name written for a kind whose builtin code is CUSTOM; empty for builtin kinds.
std::string_view custom_code_of(OpKind kind);

// "LSTM", "GATHER", ... or "BUILTIN_<n>" for a code this schema does not know.
std::string builtin_name(int32_t builtin_code);

// Reads the builtin options of `op` (of kind `kind`) into the matching OpOptions. A missing options table gives
// the IR defaults; options of the wrong type or out-of-range enum values are errors located at `where`.
Expected<OpOptions> read_op_options(OpKind kind, const tflite::Operator& op, const Location& where);

// Builds the options table of `op` in `fbb`: the union type and the table (NONE and a null offset for ops without
// options, such as RELU or LOGISTIC).
std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> write_op_options(flatbuffers::FlatBufferBuilder& fbb,
                                                                              const Op& op);

}  // namespace tinyopt::tflite_format
