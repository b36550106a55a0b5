// runtime/kernels/pool_2d_int8.h: prepared parameters of AVERAGE_POOL_2D and MAX_POOL_2D on int8/int16 tensors
// (shared by average_pool_2d_int8.cc and max_pool_2d_int8.cc).
#pragma once

#include <cstdint>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct Pool2DInt8Params {
  int batches = 0, in_h = 0, in_w = 0, channels = 0, out_h = 0, out_w = 0;
  int filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int32_t act_min = 0, act_max = 0;
  bool int16 = false;
};

// Output keeps the input's scale and zero point (TFLite int8 spec), so no rescaling is prepared.
Expected<Pool2DInt8Params> prepare_pool_2d_int8(const Graph& g, int op_index);

}  // namespace tinyopt
