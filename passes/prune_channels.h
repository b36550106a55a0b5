// passes/prune_channels.h: removing channel classes (passes/channel_groups.h) from a float graph, and what that
// costs before it is done.
//
// remove_channel_classes deletes, for each removed class, every channel it carries: the producers' filters
// (weight rows and bias entries), the weights and bias entries of the depthwise convs it passes through, the
// consumers' input channels (CONV_2D weights axis 3, FULLY_CONNECTED columns, H*W columns per channel after a
// flatten), and the channel from every activation tensor's shape; RESHAPE targets and STRIDED_SLICE ends on the
// channel axis follow, per-channel quantization parameters lose the same entries. Shapes are re-inferred and the
// graph validated after the rewrite: a mismatch is an internal error, never a silently wrong model.
//
// The result equals the unpruned graph with the removed classes' filters and biases (producers' and depthwise
// followers') set to zero, wherever every op on the channel's path maps 0 to 0 (no activation, RELU, RELU6,
// RELU_N1_TO_1, TANH, HARD_SWISH, LEAKY_RELU, pools, PAD with zeros, MEAN, ADD/SUB/MUL of two removed channels,
// CONCATENATION). An op that does not (LOGISTIC: 0 -> 0.5) makes the pruned model differ by that op's value at 0.
#pragma once

#include <cstdint>
#include <vector>

#include "passes/channel_groups.h"

namespace tinyopt {

// MACs and parameters of the graph with `removed` classes gone (the same counts reports/model_stats.h gives
// after the rewrite), computed without rewriting.
struct PrunedSize {
  int64_t macs = 0;
  int64_t parameters = 0;
};
PrunedSize pruned_size(const Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed);
// The same from the unpruned graph's totals, computed once by a caller that evaluates many removal sets.
PrunedSize pruned_size(const Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed, PrunedSize unpruned);

// Removes the classes flagged in `removed` (one flag per ChannelAnalysis::classes entry) from `g`.
Expected<void> remove_channel_classes(Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed);

// Per tensor id, whether each channel (column) is removed: origin mapped through `removed`.
std::vector<std::vector<bool>> removed_channels(const ChannelAnalysis& a, const std::vector<bool>& removed);

}  // namespace tinyopt
