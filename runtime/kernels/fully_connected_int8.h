// runtime/kernels/fully_connected_int8.h: prepared parameters of FULLY_CONNECTED with int8 (or int16 "16x8")
// activations and int8 weights, shared by the reference and fast kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct FullyConnectedInt8Params {
  int batches = 0, depth = 0, units = 0;  // input [batches, depth] (flattened), weights [units, depth]
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  int32_t act_min = 0, act_max = 0;
  std::vector<int32_t> multiplier;  // one entry (per-tensor) or one per unit (per-channel)
  std::vector<int> shift;
  std::vector<int64_t> bias;        // per unit, empty when absent
  bool int16 = false;
  int32_t multiplier_at(int u) const { return multiplier.size() == 1 ? multiplier[0] : multiplier[static_cast<size_t>(u)]; }
  int shift_at(int u) const { return shift.size() == 1 ? shift[0] : shift[static_cast<size_t>(u)]; }
};

Expected<FullyConnectedInt8Params> prepare_fully_connected_int8(const Graph& g, int op_index);

}  // namespace tinyopt
