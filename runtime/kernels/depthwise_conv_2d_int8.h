// runtime/kernels/depthwise_conv_2d_int8.h: prepared parameters of DEPTHWISE_CONV_2D with int8 (or int16 "16x8")
// activations and int8 weights, shared by the reference and fast kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

// Window geometry and output stage as CONV_2D's (runtime/quantized_prepare.h).
struct DepthwiseInt8Params : ConvWindow, ConvOutputStage {
  int out_c = 0;                        // out_c = in_c * depth_multiplier
  int filter_h = 0, filter_w = 0;       // filter [1, filter_h, filter_w, out_c]
  int depth_multiplier = 1;
  bool int16 = false;
};

Expected<DepthwiseInt8Params> prepare_depthwise_conv_2d_int8(const Graph& g, int op_index);

}  // namespace tinyopt
