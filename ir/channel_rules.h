// ir/channel_rules.h: how removing channels flows through an op, from its kind's rule (ir/op_traits.h) refined by
// the op's shapes and options: a RESHAPE that only merges leading dimensions keeps channels, one that flattens into
// a FULLY_CONNECTED spreads them over columns, one that mixes them blocks. Channels are the last axis (NHWC).
// A channel-pruning pass builds its dependency groups from channel_effect and channels_fixed; that stays out of here.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "ir/op_traits.h"

namespace tinyopt {

// "elementwise", "depthwise", ... for messages and tests.
const char* channel_rule_name(ChannelRule r);

// How removing channels of input `slot` of op `op_index` propagates (see ChannelRule), from the kind's rule, the
// op's shapes and options. Inputs that are not channel-carrying activations (weights, bias, index data) and
// out-of-range arguments give Blocks.
struct ChannelEffect {
  ChannelRule rule = ChannelRule::Blocks;
  int32_t offset = 0;               // Concatenation: output channel where this input's channels start
  int32_t multiplier = 1;           // Depthwise: output channels per input channel
  int32_t columns_per_channel = 1;  // FlattenIntoFullyConnected: H*W, the columns channel c is spread over
};
ChannelEffect channel_effect(const Graph& g, int op_index, size_t slot);

// Whether the channels of tensor `id` must stay as they are whatever its readers allow: model inputs and outputs
// (their shapes are the model's interface).
bool channels_fixed(const Graph& g, TensorId id);

}  // namespace tinyopt
