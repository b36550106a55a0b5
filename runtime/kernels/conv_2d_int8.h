// runtime/kernels/conv_2d_int8.h: the prepared parameters of CONV_2D with int8 (or int16 "16x8") activations and
// int8 weights, shared by the reference kernel (conv_2d_int8.cc) and the fast one (conv_2d_int8_fast.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct ConvInt8Params {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;  // input NHWC
  int out_h = 0, out_w = 0, out_c = 0;            // output NHWC (batches shared)
  int filter_h = 0, filter_w = 0, filter_in_c = 0;  // filter [out_c, filter_h, filter_w, filter_in_c]
  int groups = 1;                                   // in_c / filter_in_c (grouped convolution)
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_h = 0, pad_w = 0;                         // leading padding
  int32_t input_offset = 0;                         // -input zero point (0 for int16)
  int32_t output_offset = 0;                        // +output zero point
  int32_t act_min = 0, act_max = 0;                 // fused activation clamp in the output domain
  std::vector<int32_t> multiplier;                  // per output channel
  std::vector<int> shift;
  std::vector<int64_t> bias;                        // per output channel, empty when absent
  bool int16 = false;                               // 16x8: int64 accumulator and its rounding
};

Expected<ConvInt8Params> prepare_conv_2d_int8(const Graph& g, int op_index);

}  // namespace tinyopt
