// verify/per_layer.h: where a quantized (or otherwise optimized) model departs from its float reference: the SQNR
// of every activation of the candidate against the reference's tensor it stands for, along the graph, and the
// layers where the error grows most (the SQNR of an op's output below the SQNR of its input).
//
// Tensors are paired by name first (tinyopt's passes keep names), then by position for the rest: when both graphs
// have the same sequence of op kinds once QUANTIZE / DEQUANTIZE ops are left out (a converter's int8 twin with
// other tensor names), the outputs of the i-th ops, and the graph inputs in order. Pairs must have equal element
// counts. Quantized values are dequantized (runtime/metrics.h's compare_tensor_pairs does the running).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/dataset/dataset.h"
#include "ir/graph.h"

namespace tinyopt {

struct LayerError {
  std::string tensor;               // the candidate's tensor name
  std::string reference_tensor;     // the reference's (equal when matched by name)
  int op = -1;                      // candidate op producing it (-1: graph input)
  std::string op_kind;              // "CONV_2D", "input"
  int64_t elements = 0;
  double sqnr_db = 0, mse = 0, max_abs_error = 0;
  std::optional<double> sqnr_drop_db;  // SQNR of the op's first paired input minus this one's
  bool by_name = true;
};

struct PerLayerReport {
  std::vector<LayerError> rows;  // candidate tensor order
  std::vector<size_t> worst;     // indices into rows: the largest SQNR drops, largest first (at most 5)
  int matched_by_name = 0, matched_by_position = 0;
  int unmatched = 0;             // candidate activations with no counterpart
};

Expected<PerLayerReport> per_layer_errors(const Graph& reference, const Graph& candidate, const Dataset& data,
                                          unsigned threads = 0);

}  // namespace tinyopt
