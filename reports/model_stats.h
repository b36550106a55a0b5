// reports/model_stats.h: static statistics of a graph, per op and in total: multiply-accumulates, parameters,
// weight bytes, and each op's key parameters (kernel, stride, padding, activation, ...). `tinyopt inspect` prints
// them; the resource report reuses the MAC counts and weight bytes.
//
// Counting rules, stated once:
// - MACs are the multiply-accumulates of the arithmetic-heavy ops, as MCU benchmarks count them:
//     CONV_2D            N*OH*OW*OC * KH*KW*IC     (weights [OC, KH, KW, IC])
//     DEPTHWISE_CONV_2D  N*OH*OW*OC * KH*KW        (weights [1, KH, KW, OC])
//     FULLY_CONNECTED    output elements * depth  (weights [units, depth])
//   Every other op counts 0 MACs (its cost is per element, which the cost model handles).
// - Parameters are the elements of an op's constant *data* operands: weights and biases, constant operands of
//   ADD/SUB/MUL/CONCATENATION. Shape-like operands (RESHAPE's shape, PAD's paddings, MEAN's axes, TRANSPOSE's
//   permutation, STRIDED_SLICE's begin/end/strides) are not parameters.
// - Weight bytes are the stored bytes of those tensors. A constant shared by several ops counts once in the totals
//   (and is listed under the first op that reads it).
// - TFLM_DECODE: its parameters are the elements of the tensor it decodes (the weights it stands for), its weight
//   bytes the stored encoded + ancillary bytes; the consumer then reads a non-constant tensor and counts none.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

struct OpStats {
  int index = 0;
  std::string op;                 // "CONV_2D"
  Shape output_shape;             // shape of output 0
  // Key parameters in display order: {"kernel","3x3"}, {"stride","1x1"}, {"padding","SAME"}, {"act","RELU"}.
  std::vector<std::pair<std::string, std::string>> params;
  int64_t macs = 0;
  int64_t parameters = 0;         // elements of the constant data operands first read by this op
  int64_t weight_bytes = 0;       // their stored bytes
};

// One weight tensor stored in a TFLM_DECODE encoding (ir/tflm_decode.h).
struct EncodedWeight {
  int op = 0;                // index of the DECODE op
  std::string tensor;        // the decoded tensor's name
  std::string encoding;      // "lut", "prune" (or the unsupported type's name)
  int bits = 0;              // LUT index width
  size_t channels = 1;       // value tables (LUT) / zero points (prune)
  int64_t plain_bytes = 0;   // the decoded tensor's bytes: what a plain model stores
  int64_t stored_bytes = 0;  // encoded + ancillary bytes
};

struct ModelStats {
  std::vector<OpStats> ops;
  std::vector<EncodedWeight> encoded;
  int64_t total_macs = 0;
  int64_t total_parameters = 0;
  int64_t total_weight_bytes = 0;
};

ModelStats compute_model_stats(const Graph& g);

// MACs of op `op_index` per the rule above (0 for ops that are not CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED,
// and for ops whose tensors are malformed).
int64_t op_macs(const Graph& g, int op_index);

// Quantization of a tensor in one short phrase: "scale=0.00390625 zp=-128", "per-channel x16 (axis 0)", or "-".
std::string describe_quant(const Tensor& t);

}  // namespace tinyopt
