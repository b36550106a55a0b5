// formats/c_array/c_array_export.h: a model as C++ source for firmware (TFLite Micro): NAME.h / NAME.cc with the
// model bytes in a 16-byte-aligned `const unsigned char` array (TFLM reads the flatbuffer in place, and its
// tensors' data must be aligned), the array length, the tensor arena size to declare, and a set-up function that
// registers exactly the model's ops on a MicroMutableOpResolver<N>; and an Arduino library folder around them
// (library.properties, src/, an example sketch that runs one inference).
//
// Ops map to resolver methods by TFLM's micro_mutable_op_resolver.h (AddConv2D(), AddFullyConnected(), ...; the
// custom op TFLM_DECODE, which decompresses weights, to AddDecode()). An op without a method is an error naming
// it: the firmware could not run the model.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/tflite/op_codes.h"
#include "ir/diagnostic.h"

namespace tinyopt {

// The MicroMutableOpResolver method registering `op` ("AddConv2D"), or "" when TFLM has none.
std::string resolver_method(const UsedOpCode& op);

struct CArrayModel {
  std::string name;                   // C identifier: the files NAME.h/.cc, the array NAME, NAME_len, ...
  std::string model_file;             // for the header comment
  std::span<const uint8_t> bytes;
  std::vector<UsedOpCode> ops;        // read_used_op_codes
  int64_t arena_bytes = 0;            // tensor arena size (tinyopt report's estimate)
  std::string arena_source;           // what the arena size is for: "stm32f746 (cmsis-nn-dsp, 32-bit)"
};

struct GeneratedFile {
  std::string path;  // relative to the output folder
  std::string text;
};

// NAME.h and NAME.cc. Errors: a name that is not a C identifier, an op without a resolver method.
Expected<std::vector<GeneratedFile>> c_array_files(const CArrayModel& m);
// library.properties, src/NAME.h, src/NAME.cc, examples/NAME_inference/NAME_inference.ino.
Expected<std::vector<GeneratedFile>> arduino_library_files(const CArrayModel& m);

}  // namespace tinyopt
