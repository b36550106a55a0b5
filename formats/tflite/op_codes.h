// formats/tflite/op_codes.h: the operators a .tflite file uses, straight from its flatbuffer (operator_codes
// referenced by subgraph 0's operators), builtin or custom, whether or not tinyopt's IR supports them: what a
// firmware's op resolver must register (formats/c_array/c_array_export.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/diagnostic.h"

namespace tinyopt {

struct UsedOpCode {
  std::string name;     // BuiltinOperator name ("CONV_2D") or the custom code ("TFLM_DECODE")
  bool custom = false;
  int32_t builtin = 0;  // the builtin code (32 = CUSTOM for custom ops)
};

// Distinct op codes used by the operators of subgraph 0, in order of first use. Errors: not a verifiable
// TFLite flatbuffer, an opcode index out of range.
Expected<std::vector<UsedOpCode>> read_used_op_codes(std::span<const uint8_t> bytes, const std::string& source);

}  // namespace tinyopt
