// reports/tflm_runtime_objects.h: the RAM TensorFlow Lite Micro needs outside the tensor arena to run a model: the
// MicroInterpreter object and the op resolver, both usually static or on the stack of the application. The
// allocator, the memory planner and everything per tensor and per op live inside the arena (reports/tflm_arena.h)
// and are not counted here.
//
// Sizes follow the C++ layout rules for the pointer width (ILP32/AAPCS or LP64) applied to TFLM's members, in
// the TF_LITE_STATIC_MEMORY configuration, with int-sized enums and without USE_TFLM_COMPRESSION:
//   MicroInterpreter: model and resolver pointers, a TfLiteContext (25 fields: 100 / 200 bytes), the allocator
//     reference, a MicroInterpreterGraph (vptr, 6 pointers, 2 ints: 36 / 64), tensors_allocated_ and
//     initialization_status_, the scratch handle and the input/output tensor arrays, and a
//     MicroInterpreterContext (vptr, 6 pointers, a state enum: 32 / 64) -> 200 / 384 bytes.
//   MicroMutableOpResolver<N>: vptr, N TFLMRegistration (5 function pointers, int32 builtin code, custom name:
//     28 / 56 bytes), a count, N BuiltinOperator (int32), N parser function pointers, a count
//     -> 12 + 36 N / 8 + 56 N + 4 + 4 N (+ padding) + 8 N + 4 (+ padding) bytes.
// N is the template argument; the smallest that runs the model is its number of distinct op kinds, which is what
// is assumed. Optional objects (MicroProfiler, MicroResourceVariables) are left out. An estimate from the
// headers, not a measurement: the report labels it so.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace tinyopt {

struct TflmRuntimeObjects {
  int pointer_bytes = 4;
  int op_kinds = 0;              // N of MicroMutableOpResolver<N>: distinct op kinds of the model
  size_t interpreter_bytes = 0;  // sizeof(tflite::MicroInterpreter)
  size_t op_resolver_bytes = 0;  // sizeof(tflite::MicroMutableOpResolver<N>)
  size_t total_bytes = 0;
};

TflmRuntimeObjects estimate_tflm_runtime_objects(const Graph& g, int pointer_bytes);

}  // namespace tinyopt
