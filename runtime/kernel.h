// runtime/kernel.h: the interface between the interpreter and op kernels, and the registry that maps
// (op kind, dtype) to a kernel factory.
//
// A factory is TFLite Micro's *prepare*: it reads the op's tensors from the Graph once and computes everything
// static (shapes, quantized multipliers, clamps, packed weights, scratch size) into a Kernel object. Kernel::eval
// is *eval*: a tight loop over raw buffers that only reads that object. eval is const so one prepared kernel can
// serve several interpreters (e.g. one per core evaluating a batch of samples) at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

// Buffers of one op during eval. Input i points at the bytes of op.inputs[i] (constant data or activation),
// nullptr for an absent optional input. Outputs point into the activation arena.
struct OpBuffers {
  std::span<const uint8_t* const> inputs;
  std::span<uint8_t* const> outputs;
  std::span<uint8_t> scratch;  // scratch_bytes() bytes, 16-byte aligned, contents undefined on entry
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void eval(const OpBuffers& io) const = 0;
  // Temporary memory eval needs (im2col buffers, ...).
  virtual size_t scratch_bytes() const { return 0; }
};

using KernelFactory = Expected<std::unique_ptr<Kernel>> (*)(const Graph& g, int op_index);

// Kernels are keyed by op kind and the dtype of the op's first input (QUANTIZE: its float/int input;
// DEQUANTIZE: its int8/int16 input). A factory checks the remaining dtypes itself and returns an Unsupported
// error naming the op index, op and dtypes when it cannot execute the combination.
class KernelRegistry {
 public:
  // Registers a factory; a (kind, dtype) registered twice is an internal error found at startup.
  void add(OpKind kind, DType dtype, KernelFactory factory);
  KernelFactory find(OpKind kind, DType dtype) const;
  // The registry of every kernel tinyopt ships (float, int8, int16), built once from explicit lists.
  static const KernelRegistry& builtin();

 private:
  struct Entry { OpKind kind; DType dtype; KernelFactory factory; };
  std::vector<Entry> entries_;
};

// The explicit registration lists, one per kernel family (runtime/kernels/*_kernels.cc).
void register_float_kernels(KernelRegistry& r);
void register_int8_kernels(KernelRegistry& r);

}  // namespace tinyopt
