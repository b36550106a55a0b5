// runtime/memory_planner.h: places activation buffers in one arena so that buffers alive at the same time never
// overlap. The interpreter runs models in the arena it plans, and the resource report estimates TFLite Micro's
// arena with the same planner, so the two cannot disagree.
//
// Algorithm (the greedy planner TFLite Micro uses by default):
//   1. Order the buffers by size, largest first (ties: earlier first use first).
//   2. Take each buffer in that order and look at the buffers already placed whose lifetimes overlap its
//      lifetime, sorted by offset; put it at the lowest offset where it fits in a gap between them (or after the
//      last of them).
//   3. The arena size is the largest offset + size.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tinyopt {

// One buffer to place: `size` bytes live from op `first_use` to op `last_use`, both inclusive.
struct BufferRequest {
  size_t size = 0;
  int first_use = 0;
  int last_use = 0;
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // offsets[i] for requests[i], each a multiple of the alignment
  size_t arena_bytes = 0;       // end of the highest buffer
};

// Plans the requests; each size is rounded up to `alignment` (TFLite Micro aligns buffers to 16 bytes).
ArenaPlan plan_arena(std::span<const BufferRequest> requests, size_t alignment = 16);

// The lower bound of any plan: the largest total (aligned) size of buffers live during a single op.
size_t arena_lower_bound(std::span<const BufferRequest> requests, size_t alignment = 16);

// Index pair (i, j) of two requests that are live at the same time and overlap in the plan, or {-1, -1}.
std::pair<int, int> find_overlap(std::span<const BufferRequest> requests, const ArenaPlan& plan);

}  // namespace tinyopt
