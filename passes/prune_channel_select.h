// passes/prune_channel_select.h: which channel classes a channel-pruning target removes.
//
// Within a group, classes go in increasing order of their summed filter norm. `uniform` removes the same fraction
// of every group; `global` ranks classes of all groups together by their normalized norm (mean |w| or RMS of the
// filters, so that layers of different fan-in compare), each group capped. Every group keeps at least one class and
// at most `cap` of its classes go. Groups with a per-layer fraction remove exactly that fraction and are not part
// of the ranking. Targets: a fraction of channels (`sparsity`), or budgets: keep at most `macs` of the model's
// MACs and `params` of its parameters (both when both are given), met with the fewest removals the order allows
// (searched with the exact counts of prune_channels.h, not an additive estimate).
#pragma once

#include <optional>
#include <vector>

#include "passes/prune_channels.h"

namespace tinyopt {

enum class Allocation : uint8_t { Uniform, Global };

struct ChannelTarget {
  double sparsity = 0.5;        // fraction of removable channels to remove (no budget given)
  double macs = 1, params = 1;  // budgets: fraction of MACs / parameters to keep; 1 = none
  Allocation allocation = Allocation::Uniform;
  double cap = 0.9;             // most of a group's classes that may go
  std::vector<std::optional<double>> group_fraction;  // per group: a fixed fraction (per-layer override)
  bool budget() const { return macs < 1 || params < 1; }
};

struct ChannelSelection {
  std::vector<bool> removed;  // per class
  PrunedSize before, after;
};

// Errors: a budget or a global sparsity the caps do not allow (saying what was reached).
Expected<ChannelSelection> select_channels(const Graph& g, const ChannelAnalysis& a, const ChannelTarget& t);

}  // namespace tinyopt
