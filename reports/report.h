// reports/report.h: the resource report of a model on one or more targets, as plain data. build_report() does
// the analysis (TFLM arena per target word size and kernels, cycles per op per target, flash); the render_*
// functions (reports/render.h) only format a Report, so every output format shows the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "reports/cost_model.h"
#include "reports/model_stats.h"
#include "reports/target.h"
#include "reports/tflm_arena.h"
#include "reports/tflm_runtime_objects.h"

namespace tinyopt {

inline constexpr const char* kReportSchema = "tinyopt.report/1";

struct LayerRow {
  int index = 0;
  std::string op;                 // "CONV_2D"
  std::string name;               // name of output 0
  Shape output_shape;
  int64_t macs = 0;
  int64_t weight_bytes = 0;       // constant operands first read by this op (model_stats rule)
  size_t live_bytes = 0;          // arena head bytes live while the op runs (first target's plan)
  size_t scratch_bytes = 0;       // scratch buffers of the op (first target's kernels)
  std::vector<CycleCost> cycles;  // one per target, in Report::targets order
};

struct TargetResult {
  Target target;
  KernelFamily kernels = KernelFamily::Reference;  // after any --kernels override
  // Flash: the model file as written + the kernel code the model pulls in (estimate).
  int64_t model_bytes = 0;
  int64_t kernel_code_bytes = 0;
  int64_t flash_bytes = 0;
  // RAM: the TFLM arena (head + tail) for the target's word size (lower bound of the head, and the gap), plus
  // the TFLM objects outside the arena (interpreter, op resolver: an estimate). ram_bytes is their sum.
  TflmArena arena;
  TflmRuntimeObjects runtime_objects;
  int64_t ram_bytes = 0;
  int64_t cycles = 0;
  double latency_ms = 0;
  std::optional<double> energy_mj;
  // TFLM_DECODE (compressed weights): the most decoded-weight bytes planned in the head at once (TFLM plans each
  // decoded tensor as a non-persistent buffer from its DECODE to its consumer), and the DECODE ops' persistent
  // state in the tail. Both are included in `arena`; 0 without encoded weights.
  int64_t decoded_peak_bytes = 0;
  int64_t decode_state_bytes = 0;
  int64_t flash_free = 0;         // target flash - flash_bytes (negative: over by that much)
  int64_t ram_free = 0;
  bool fits = false;
  int fallback_ops = 0;           // ops costed by the fallback rule
};

// Unstructured sparsity of the weights, and what a sparse encoding would take (TFLM cannot use it as is).
struct SparsityInfo {
  int64_t weights = 0;            // elements of CONV/DEPTHWISE/FC weight tensors
  int64_t zeros = 0;
  int64_t dense_bytes = 0;
  int64_t sparse_bytes = 0;       // the smaller of bitmask + values and CSR (uint16 indices) encodings
  std::string encoding;           // "bitmask" or "csr"
};

struct Report {
  std::string model;              // path as given
  int64_t model_bytes = 0;
  int64_t total_macs = 0;
  int64_t total_weight_bytes = 0;
  std::vector<LayerRow> layers;
  std::vector<TargetResult> targets;
  std::optional<SparsityInfo> sparsity;  // set when at least 10% of the weights are zero and none is encoded
  std::vector<EncodedWeight> encoded;    // weights stored in TFLM_DECODE encodings (the real encoding, in the file)
  std::vector<std::string> notes;
};

// Builds the report. `kernels_override` replaces every target's kernel family (--kernels).
Expected<Report> build_report(const Graph& g, std::string model_path, int64_t model_bytes,
                              std::span<const Target> targets, std::optional<std::string> kernels_override = {});

// Estimated code size of TFLM (interpreter + the kernels of the op kinds used) for a kernel family.
int64_t estimate_kernel_code_bytes(const Graph& g, KernelFamily kernels);

}  // namespace tinyopt
