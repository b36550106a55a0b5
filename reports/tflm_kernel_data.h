// reports/tflm_kernel_data.h: what each TFLite Micro kernel allocates for one op, for the arena model
// (reports/tflm_arena.h): the size of its parsed builtin options, the persistent buffers its Init and Prepare ask
// for (OpData struct, per-channel multiplier/shift arrays), and the scratch buffers its Prepare requests.
//
// Sizes are those of the structs in TFLM's kernels (reference: kernels/conv.h OpDataConv, fully_connected.h
// OpDataFullyConnected, pooling.h OpDataPooling, SoftmaxParams, add.h OpDataAdd, ...) laid out for the pointer
// width; builtin options are the TfLite*Params structs of builtin_op_data.h (all int/float/bool, so the same on
// 32 and 64 bits). Optimized kernel families (CMSIS-NN, ESP-NN) add a scratch buffer whose size follows their
// get_buffer_size() rules, approximately.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"
#include "reports/kernel_family.h"

namespace tinyopt {

// `n` rounded up to a multiple of `a` (TFLM's AlignSizeUp, used for every struct and buffer it allocates).
constexpr size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

struct TflmKernelData {
  size_t builtin_bytes = 0;               // parsed options (0: the parser allocates nothing)
  size_t builtin_align = 4;
  std::vector<size_t> init_buffers;       // persistent buffers from Init (16-byte aligned each)
  std::vector<size_t> prepare_buffers;    // persistent buffers from Prepare (16-byte aligned each)
  std::vector<size_t> scratch_buffers;    // scratch requests from Prepare (planned in the head)
  bool exact = true;                      // false: not verified against TFLM figures
};

// The allocations of op `op_index` in `g` on a build with `pointer_bytes`-wide pointers and `kernels`.
TflmKernelData tflm_kernel_data(const Graph& g, int op_index, int pointer_bytes, KernelFamily kernels);

}  // namespace tinyopt
