// runtime/kernels/depthwise_conv_2d_int8.h: prepared parameters of DEPTHWISE_CONV_2D with int8 (or int16 "16x8")
// activations and int8 weights, shared by the reference and fast kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct DepthwiseInt8Params {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int out_h = 0, out_w = 0, out_c = 0;  // out_c = in_c * depth_multiplier
  int filter_h = 0, filter_w = 0;       // filter [1, filter_h, filter_w, out_c]
  int depth_multiplier = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_h = 0, pad_w = 0;
  int32_t input_offset = 0, output_offset = 0;
  int32_t act_min = 0, act_max = 0;
  std::vector<int32_t> multiplier;  // per output channel
  std::vector<int> shift;
  std::vector<int64_t> bias;        // per output channel, empty when absent
  bool int16 = false;
};

Expected<DepthwiseInt8Params> prepare_depthwise_conv_2d_int8(const Graph& g, int op_index);

}  // namespace tinyopt
