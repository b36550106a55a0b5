// passes/channel_groups.h: which output channels of a float graph can be removed, and what must go with them.
//
// Every output channel of a CONV_2D or FULLY_CONNECTED with constant weights (a "producer") is an element; the
// channel rule of each op that reads it (ir/channel_rules.h) says where it goes next. Walking the ops in order,
// each activation tensor gets, per channel (per column for a flattened tensor), the element it carries:
//   elementwise ops keep it, a depthwise conv repeats it `multiplier` times, a channel concatenation places it at
//   its input's offset, a flatten into a FULLY_CONNECTED spreads channel c over the columns p*C + c, and a
//   coupled op (residual ADD/SUB/MUL, concatenation on another axis) unites the elements its operands carry at
//   the same position. United elements form a *class*: the channels removed together (one filter of each
//   producer in a residual group). Producers whose classes are united form a *group*: pruned alike, ranked by
//   their summed filter norms.
// A class is blocked (left whole) when one of its channels reaches a model output, meets a model input's channel
// in a coupled op, or is read by an op that mixes channels (RESHAPE/TRANSPOSE/SOFTMAX/MEAN over channels ...);
// the reason names the op or tensor. Layers the caller keeps (skip list, first conv, classifier) block their
// classes the same way, so a residual group with a kept member stays whole.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

enum class FilterNorm : uint8_t { L1, L2 };

// One output channel of a producer.
struct Filter {
  int op = 0;
  int32_t channel = 0;
};

// Channels removed together.
struct ChannelClass {
  std::vector<Filter> filters;  // one per producer in the class (several in a residual group)
  int group = 0;                // index into ChannelAnalysis::groups
  double norm = 0;              // sum of the filters' L1 or L2 norms
  double normalized_norm = 0;   // norm / sum of the filters' norms of a unit-magnitude filter (fan-in, sqrt(fan-in)):
                                // comparable across layers of different fan-in (mean |w| or RMS of the filters)
};

// Producers whose channels are removed alike.
struct ChannelGroup {
  std::vector<int> producers;  // op indices, in execution order
  std::vector<int> classes;    // indices into ChannelAnalysis::classes, in producer-channel order
  bool removable = true;
  std::string blocked_by;      // why the group is left whole ("reaches model output 'Identity'")
};

struct ChannelAnalysis {
  std::vector<ChannelClass> classes;
  std::vector<ChannelGroup> groups;
  // Per tensor id: the class each channel (column, for a flattened tensor) carries, -1 for a channel no producer
  // made (a model input's). Empty for constants and for tensors the walk did not reach.
  std::vector<std::vector<int32_t>> origin;
};

// Analyzes `g` (float graph, validated). `kept` producers' classes are blocked with the reason "kept".
Expected<ChannelAnalysis> analyze_channels(const Graph& g, const std::set<int>& kept, FilterNorm norm);

// Whether op `i` is a producer: CONV_2D or FULLY_CONNECTED with constant float32 weights.
bool is_channel_producer(const Graph& g, int op_index);

}  // namespace tinyopt
