// passes/quantize_op_rules.h: stage 5 of the quantize pass for the ops whose integer parameters follow rules of
// their own, as TFLite's post-training quantizer (tools/optimize/operator_property.cc, quantize_model.cc) gives them:
//   TRANSPOSE_CONV                 input #2 activation, weights #1 int8 symmetric per output channel (axis 0, like
//                                  CONV_2D), bias #3 int32 (int64 in 16x8) at input_scale x weight_scale[c];
//   UNIDIRECTIONAL_SEQUENCE_LSTM   passes/quantize_sequence_lstm.cc;
//   SVDF                           passes/quantize_svdf.cc.
// Each rewrites the op's constants and its state tensors; the activations (input, output) have their parameters
// from stage 4 already in `params`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calibration/stats.h"
#include "ir/graph.h"

namespace tinyopt {

struct OpRuleContext {
  Graph& g;
  const CalibrationStats& stats;
  const std::vector<std::optional<QuantParams>>& params;  // every activation's parameters, by tensor id
  std::vector<std::string>& notes;                         // stated fallbacks (clamped biases, ...)
};

// `type`: the op's activation type (Int8, or Int16 for 16x8). `per_channel`: the pass's weight granularity.
Expected<void> quantize_transpose_conv(OpRuleContext& c, int op_index, DType type, bool per_channel);
Expected<void> quantize_sequence_lstm(OpRuleContext& c, int op_index);
Expected<void> quantize_svdf(OpRuleContext& c, int op_index);

// Replaces the float bias in input `slot` of op `op_index` (made the op's own) by round(b / scale[c]) as `type`
// (Int32 or Int64), zero point 0, one scale per channel (or one for the tensor). Values that overflow are clamped
// and stated in `notes`.
void quantize_bias_input(OpRuleContext& c, int op_index, size_t slot, const std::vector<double>& scale, DType type);

}  // namespace tinyopt
