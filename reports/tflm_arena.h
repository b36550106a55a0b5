// reports/tflm_arena.h: the tensor arena TensorFlow Lite Micro would use for a model, computed by replaying what
// its MicroInterpreter / MicroAllocator do in AllocateTensors(), for a 64-bit host or a 32-bit MCU.
//
// The arena has two ends (TFLM's SingleArenaBufferAllocator):
//   head (non-persistent, low addresses): every activation tensor and every kernel scratch buffer, placed by the
//        greedy planner (runtime/memory_planner.h) over lifetimes counted in TFLM's "allocation scopes":
//        scope 0 is the start of the subgraph, op i runs in scope i + 1. Graph inputs are created in scope 0,
//        every other tensor when its producer runs; a tensor lives until its last reader; graph outputs live to
//        the end; a scratch buffer lives only during its op. Constants (in the flatbuffer), variables and empty
//        tensors are not planned. Sizes are rounded up to 16 bytes before planning.
//   tail (persistent, high addresses, growing down): allocated in this order, each at the alignment TFLM asks
//        for, so the padding between them is reproduced exactly:
//        1. the allocator objects TFLM puts in the arena itself: SingleArenaBufferAllocator, GreedyMemoryPlanner,
//           MicroAllocator, MicroBuiltinDataAllocator, one SubgraphAllocations;
//        2. one TfLiteEvalTensor per tensor of the subgraph, one NodeAndRegistration per op;
//        3. each op's parsed builtin options (TfLiteConvParams, ...);
//        4. each kernel's Init: its OpData struct; then each kernel's Prepare: per-channel multiplier and shift
//           arrays (int32 per output channel each) and scratch-buffer requests (which go to the head);
//        5. scratch buffer handles, variable tensor buffers;
//        6. the interpreter's input/output TfLiteTensor pointer arrays, a persistent TfLiteTensor per graph input
//           and output, with its TfLiteAffineQuantization and zero-point array when quantized.
// Struct sizes follow the C layout rules for the pointer width (LP64 vs ILP32/AAPCS), from the TFLM headers with
// TF_LITE_STATIC_MEMORY (the MCU configuration). Kernel OpData of ops the shared golden models do not exercise,
// and the scratch buffers of optimized kernel families, are modelled from their sources but unverified; such
// estimates say so in `notes`.
//
// Left to others: cycles (cost_model), flash (report).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"
#include "reports/kernel_family.h"
#include "runtime/memory_planner.h"

namespace tinyopt {

struct TflmArenaOptions {
  int pointer_bytes = 4;                        // 4: 32-bit MCU (ILP32); 8: 64-bit host (LP64)
  KernelFamily kernels = KernelFamily::Reference;
};

// What TFLM keeps for one op.
struct TflmOpMemory {
  size_t builtin_data_bytes = 0;   // parsed builtin options (tail)
  size_t op_data_bytes = 0;        // kernel OpData + per-channel arrays etc., as requested (tail)
  size_t scratch_bytes = 0;        // scratch buffers requested in Prepare (head, live during the op only)
  size_t live_bytes = 0;           // planned activation + scratch bytes live while the op runs (aligned sizes)
  bool modelled_exactly = true;    // false when this op's kernel data is an unverified estimate
};

// One buffer of the head: a tensor (tensor >= 0) or a scratch buffer of op `op` (tensor == -1).
struct TflmBuffer {
  int tensor = -1;
  int op = -1;
  std::string name;  // the tensor's name, or "scratch of op #3 CONV_2D"
};

struct TflmArena {
  int pointer_bytes = 4;
  KernelFamily kernels = KernelFamily::Reference;
  size_t head_bytes = 0;           // planner result: activations + scratch
  size_t tail_bytes = 0;           // persistent structures, padding included
  size_t total_bytes = 0;          // head + tail: MicroInterpreter::arena_used_bytes()
  size_t lower_bound_bytes = 0;    // largest set of head buffers live together: no plan can do better

  // The tail by kind, each including the alignment padding its allocations needed.
  size_t allocator_objects_bytes = 0;   // allocator, planner, builtin-data allocator, subgraph array
  size_t eval_tensor_bytes = 0;         // TfLiteEvalTensor x tensors
  size_t node_registration_bytes = 0;   // NodeAndRegistration x ops
  size_t builtin_data_bytes = 0;
  size_t op_data_bytes = 0;             // kernel OpData, per-channel arrays
  size_t scratch_handle_bytes = 0;
  size_t variable_bytes = 0;
  size_t io_tensor_bytes = 0;           // persistent TfLiteTensor for inputs/outputs, quantization, pointer arrays

  std::vector<BufferRequest> requests;  // the head buffers given to the planner, in TFLM's request order
  std::vector<TflmBuffer> buffers;      // what each request is
  ArenaPlan plan;
  std::vector<TflmOpMemory> ops;        // one per op
  std::vector<std::string> notes;       // approximations used, one line each
};

// Models AllocateTensors() for `g` (ops in the graph's order, tensors in the graph's order, as in the file).
// Fails only on a graph whose tensor ids are out of range.
Expected<TflmArena> estimate_tflm_arena(const Graph& g, const TflmArenaOptions& options = {});

// ASCII picture of the head plan (one row per buffer, one column per allocation scope), for `report -v`.
std::string print_arena_plan(const Graph& g, const TflmArena& arena, int width = 60);

}  // namespace tinyopt
