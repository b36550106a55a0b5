// passes/distill_channels.h: gradual channel pruning inside distill (prune-granularity=channel).
//
// Channels are ranked and chosen exactly as the prune pass chooses them (passes/channel_groups.h: dependency
// groups from ir/channel_rules.h, L1/L2 filter norms summed over a group; prune_channel_select.h: uniform or
// global allocation, a per-group cap, a channel fraction or a MACs / parameters budget). The first conv reading a
// model input stays whole (as in `prune`), the classifier too (its channels reach the model output), and so do
// layers of the skip list. While training, the chosen channels are masked: the producers' filter rows and bias
// entries and the entries of the depthwise convs they pass through are held at zero, which makes the masked graph
// compute what the graph without those channels computes wherever the path maps 0 to 0 (prune_channels.h). The
// choice is re-made on the current weights every `prune-every` steps along the cubic schedule (a masked channel has
// norm 0, so it stays chosen); at the end the chosen channels are removed from the graph by prune_channels.h's
// rewrite, so the written model is smaller.
//
// The schedule drives the target: at schedule progress p in [0, 1] (0 before prune-begin, 1 from prune-end on) the
// channel fraction is initial + (final - initial) * p, or, with a budget B (fraction of MACs or parameters to
// keep), the budget is 1 - (1 - B) * p.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "passes/prune_channel_select.h"

namespace tinyopt {

struct ChannelPruningTarget {
  double initial = 0, final = 0;  // fraction of removable channels (no budget)
  double macs = 1, params = 1;    // budgets at the end: fractions to keep (1: none)
  Allocation allocation = Allocation::Uniform;
  FilterNorm norm = FilterNorm::L2;
  double cap = 0.9;               // most of a group's channels that may go
  std::vector<std::string> skip;  // layer patterns left whole (passes/prune_layers.h)
  bool budget() const { return macs < 1 || params < 1; }
};

class GradualChannelPruning {
 public:
  // Checks the skip patterns and that the final target can be met on `g` (errors name the distill option).
  static Expected<GradualChannelPruning> create(const Graph& g, ChannelPruningTarget target);

  // The channel classes chosen at schedule progress `progress`, ranked on the weights of `now` (same structure as
  // the graph given to create). Also remembered as the last choice.
  Expected<std::vector<bool>> choose(const Graph& now, double progress);

  // Masks of the last choice for every filter and bias of `g` (1 trainable, 0 held at zero), each and-ed with the
  // base mask of its tensor from `base` (the zeros distill keeps), in tensor order.
  std::vector<std::pair<TensorId, std::vector<uint8_t>>> masks(
      const Graph& g, const std::vector<std::pair<TensorId, std::vector<uint8_t>>>& base) const;

  struct Removal {
    int64_t channels_removed = 0, channels_removable = 0;
    PrunedSize before, after;
  };
  // Channel classes that a choice may remove (of groups not left whole).
  int64_t removable() const;
  // Removes the last choice's channels from `g` (shapes re-inferred, graph validated).
  Expected<Removal> remove(Graph& g) const;

 private:
  GradualChannelPruning() = default;
  ChannelTarget target_at(double progress) const;

  ChannelPruningTarget target_;
  std::set<int> kept_;
  ChannelAnalysis analysis_;    // of the last choice's weights (structure is the same for every choice)
  std::vector<bool> removed_;   // per class, the last choice
};

}  // namespace tinyopt
