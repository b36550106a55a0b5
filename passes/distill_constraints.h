// passes/distill_constraints.h: what fine-tuning must keep of a compressed float model, read from its weights,
// and the gradual-pruning schedule that distillation can apply as it trains.
//
// Constraints are derived from the weights as they enter `distill` (no side channel from earlier passes):
//   masks  every exact zero of a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED filter stays zero (element and
//          N:M pruning both leave exact zeros, so one rule keeps both patterns);
//   ties   a filter whose groups hold few distinct values (clustered: at most 2^7 = 128, the widest LUT of
//          TFLM_DECODE, and fewer than its elements) keeps each value's members tied, so the centroids train and
//          the assignment stays. Groups are the whole tensor when the whole tensor has at most 128 distinct values
//          (that also keeps a per-channel clustering), else each output channel (the cluster pass's groups).
// A channel-pruned model has nothing to keep: its channels are gone from the graph.
//
// Gradual pruning (Zhu & Gupta 2017, "To prune, or not to prune"): the target sparsity at step t is
//   s_t = s_f + (s_i - s_f) * (1 - (t - t_0) / (t_end - t_0))^3     for t_0 <= t <= t_end,
// s_i before t_0 and s_f after t_end; every `every` steps (and at t_end) each layer's mask is re-chosen by
// magnitude (passes/prune_masks.h: zero_smallest, or prune_n_m for N:M), always keeping the entering zeros.
// Channel granularity follows the same schedule (progress_at) with whole channels (passes/distill_channels.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

// The largest number of values per group that still counts as clustered (7-bit LUT indices).
inline constexpr int64_t kMaxClusterValues = 128;

struct WeightConstraints {
  std::vector<std::pair<TensorId, std::vector<uint8_t>>> masks;  // 1 trainable, 0 held at zero
  std::vector<std::pair<TensorId, std::vector<int32_t>>> ties;   // tie group per element, -1 untied
  int64_t masked_weights = 0;  // zeros held
  int tied_tensors = 0;
};

// The masks and ties of every float filter of `g` (ops read through their weights input).
WeightConstraints constraints_from_weights(const Graph& g);

// Tie groups of one filter (-1: untied, e.g. zeros), or nullopt when it does not look clustered.
std::optional<std::vector<int32_t>> cluster_ties(const Graph& g, int op);

enum class GradualGranularity { None, Element, NM, Channel };

struct GradualPruning {
  GradualGranularity granularity = GradualGranularity::None;
  int n = 0, m = 0;                 // N:M
  double initial = 0, final = 0;    // sparsity (element)
  int64_t begin = 0, end = 0, every = 1;

  // "none", "element", "channel" or "N:M"; the option named in errors is `option`.
  static Expected<GradualPruning> parse(const std::string& granularity, const std::string& option);
  bool active() const { return granularity != GradualGranularity::None; }
  double sparsity_at(int64_t step) const;
  // How far the schedule is at `step`: 0 before begin, 1 from end on, 1 - (1 - (t - t_0) / (t_end - t_0))^3 between.
  double progress_at(int64_t step) const;
  // Whether the masks are re-chosen before step `step`.
  bool remask_at(int64_t step) const;
};

// A new mask for filter values `w` of an op of kind `kind`: the smallest |w| (element, k = round(sparsity * n))
// or N of every M (N:M) become masked, and every position masked in `base` stays masked.
std::vector<uint8_t> magnitude_mask(std::span<const float> w, const Shape& shape, OpKind kind,
                                    std::span<const uint8_t> base, const GradualPruning& p, double sparsity);

}  // namespace tinyopt
