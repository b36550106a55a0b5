// passes/prune_masks.h: unstructured and N:M magnitude pruning of float weights, in place.
//
// Element: the k weights of smallest |w| become 0 (ties: the lower flat index first), so a layer holds exactly
// k zeros unless more of its weights already were 0. Global allocation ranks |w| across layers, each layer
// capped at a fraction of its weights.
// N:M: in every block of M consecutive weights along the reduction axis, the N of smallest |w| become 0. The
// reduction axis is a filter's input channels (CONV_2D weights [O,H,W,I]: the I weights at each (o,h,w);
// FULLY_CONNECTED [O,I]: a row), and a depthwise filter's window (DEPTHWISE_CONV_2D [1,H,W,C]: the H*W taps of
// channel c, in row-major tap order). A length that is not a multiple of M ends in a partial block of r < M
// weights, pruned as if padded with M - r zeros (as N:M sparse hardware pads it): max(0, N - (M - r)) of its
// weights become 0. So the first conv of an RGB model (I = 3) stays dense under 2:4, which is reported.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

// Zeroes the k entries of smallest magnitude. Returns how many entries are 0 afterwards.
int64_t zero_smallest(std::span<float> w, int64_t k);

// How many weights of each layer a global ranking zeroes: `total` smallest |w| over all layers, layer l taking at
// most caps[l]. Returns per-layer counts (their sum is < total only when the caps stop it).
std::vector<int64_t> global_prune_counts(const std::vector<std::span<const float>>& layers, int64_t total,
                                         const std::vector<int64_t>& caps);

struct NMResult {
  int64_t zeros = 0;           // zeros in the tensor afterwards
  int64_t blocks = 0;          // full blocks
  int64_t partial_blocks = 0;  // trailing blocks shorter than M (the padding rule applied)
  int64_t reduction = 0;       // the reduction length of one row
};

// N:M pruning of the float weights `w` of an op of kind `kind` (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED).
NMResult prune_n_m(Tensor& w, OpKind kind, int n, int m);

// Whether every block of `w` satisfies N:M (at least the required zeros per full or partial block).
bool satisfies_n_m(const Tensor& w, OpKind kind, int n, int m);

}  // namespace tinyopt
