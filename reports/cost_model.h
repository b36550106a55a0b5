// reports/cost_model.h: estimated cycles of one op on one core with one kernel family.
//
// Per kernel family and op class, cycles = MACs x cycles_per_mac + output elements x cycles_per_element
// + fixed cycles (the kernel call, its prologue, TFLM's per-op invoke overhead), then x the target's core scale
// (e.g. a dual-issue Cortex-M7 does the same kernel in fewer cycles than an M4). Ops with no MACs (pooling,
// element-wise, softmax, reshapes) are costed per element of their input and output. The coefficients live in
// cost_model.cc, each with where it comes from. An op a family has no entry for gets a stated fallback and is
// flagged estimated_by = "fallback": never 0 cycles.
//
// What this is not: a simulator. It ignores memory layout and caches except through the coefficients; wait
// states of weights read from flash are folded into the FULLY_CONNECTED coefficient (each weight is read once
// per inference there, while convolutions reuse their weights many times).
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "reports/kernel_family.h"

namespace tinyopt {

struct CycleCost {
  int64_t macs = 0;
  int64_t cycles = 0;
  std::string assumptions;   // how the number was made, one line: "conv 3x3 (im2col): 3.5 cyc/MAC x 1.00"
  std::string estimated_by;  // "model": a coefficient for this op class; "fallback": none, generic rule used
  bool reference_float = false;  // a float32 op: costed as TFLM's reference float kernel (also "fallback")
};

// Cycles of op `op_index` of `g` with `family` kernels on a core whose speed relative to the family's reference
// core is `core_scale` (1.0 for the core the coefficients were set on).
CycleCost estimate_op_cycles(const Graph& g, int op_index, KernelFamily family, double core_scale = 1.0);

}  // namespace tinyopt
