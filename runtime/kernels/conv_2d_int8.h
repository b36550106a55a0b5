// runtime/kernels/conv_2d_int8.h: the prepared parameters of CONV_2D with int8 (or int16 "16x8") activations and
// int8 weights, shared by the reference kernel (conv_2d_int8.cc) and the fast one (conv_2d_int8_fast.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

// Input NHWC, strides, dilations, padding and out_h/out_w come from ConvWindow; offsets, clamp, per-channel multipliers and
// bias from ConvOutputStage (runtime/quantized_prepare.h), as for DEPTHWISE_CONV_2D.
struct ConvInt8Params : ConvWindow, ConvOutputStage {
  int out_c = 0;                                  // output NHWC [batches, out_h, out_w, out_c]
  int filter_h = 0, filter_w = 0, filter_in_c = 0;  // filter [out_c, filter_h, filter_w, filter_in_c]
  int groups = 1;                                   // in_c / filter_in_c (grouped convolution)
  bool int16 = false;                               // 16x8: int64 accumulator and its rounding
};

Expected<ConvInt8Params> prepare_conv_2d_int8(const Graph& g, int op_index);

}  // namespace tinyopt
