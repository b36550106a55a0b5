// ir/op_traits.h: facts about each op kind that passes look up instead of switching on OpKind themselves: the
// fused activation, which inputs are weights / bias / index data, the weights' output-channel axis, whether the
// output keeps the input's quantization, and how removing channels flows through the op (the channel rule).
//
// The table holds what the kind alone decides; ir/channel_rules.h refines the channel rule with an op's shapes and
// options. check_op_arity applies the table's input counts (Graph::validate and shape inference call it first).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace tinyopt {

// How removing output channels of a producer propagates through an op that reads them.
enum class ChannelRule : uint8_t {
  Elementwise,     // output channel c depends on input channel c only (activations, pools, PAD, QUANTIZE,
                   // RESHAPE/SQUEEZE that keep the last axis): the same output channels go
  Depthwise,       // DEPTHWISE_CONV_2D: output channels c*m .. c*m+m-1 go (m = depth multiplier), with the op's own
                   // weights (axis 3) and bias entries
  Concatenation,   // CONCATENATION on the channel axis: the channels go from the output at this input's offset
  Consumes,        // CONV_2D, or FULLY_CONNECTED on a [N, C] input: the op's weights lose input channel c
                   // (CONV_2D axis 3, FULLY_CONNECTED axis 1) and its own output channels stay: the chain ends
  FlattenIntoFullyConnected,  // [N,H,W,C] read as rows of H*W*C columns by a FULLY_CONNECTED (directly, or through
                              // a flattening RESHAPE read only by FULLY_CONNECTED ops): row-major flattening puts
                              // channel c at columns p*C + c, p < H*W, which the FULLY_CONNECTED weights lose
  Coupled,         // ADD, SUB, MUL of two activations of one shape: both operands and the output lose the same
                   // channels (a residual group)
  Blocks,          // channels cannot be removed through this op: RESHAPE that mixes channels, TRANSPOSE, SOFTMAX
                   // and MEAN over the channel axis, broadcasting elementwise ops, slices and pads of the channels
};

// What the kind alone decides. kNoInput marks "none".
inline constexpr int kNoInput = -1;
struct OpTraits {
  bool fused_activation = false;   // the options carry a fused Activation (fused_activation() returns it)
  int weights_input = kNoInput;    // constant weights: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED input 1
  int bias_input = kNoInput;       // their optional bias: input 2
  int weight_channel_axis = -1;    // output-channel axis of the weights (TFLite int8 spec's per-channel axis):
                                   // CONV_2D [O,H,W,I] 0, DEPTHWISE_CONV_2D [1,H,W,C] 3, FULLY_CONNECTED [O,I] 0
  int first_index_input = kNoInput;  // inputs from here on are int32/int64 index data (shapes, paddings, axes,
                                     // permutations, slice bounds), never quantized
  bool shares_input_quant = false;   // int8 spec: the output keeps the input's scale and zero point (for
                                     // CONCATENATION every input and the output share one)
  ChannelRule channel_rule = ChannelRule::Blocks;  // the rule before shapes and options are looked at
  // Arity: min..max inputs, of which the first `required_inputs` must be present (not kNoTensor). One output.
  size_t min_inputs = 1, max_inputs = 1, required_inputs = 1;
};

const OpTraits& op_traits(OpKind k);

// Shorthands for the table's fields.
inline int weight_channel_axis(OpKind k) { return op_traits(k).weight_channel_axis; }
inline bool shares_input_quant(OpKind k) { return op_traits(k).shares_input_quant; }
inline bool is_index_input(OpKind k, size_t slot) {
  const int first = op_traits(k).first_index_input;
  return first != kNoInput && slot >= static_cast<size_t>(first);
}

// The fused activation in `op`'s options, or nullptr when its kind has none (or its options are not set).
Activation* fused_activation(Op& op);
const Activation* fused_activation(const Op& op);

// Checks op `op_index` against its kind's arity: input count, required inputs present, one output, every id in
// range and every input shape valid. The other per-op rules (shapes, dtypes) assume it passed.
Expected<void> check_op_arity(const Graph& g, int op_index);

}  // namespace tinyopt
