// runtime/memory_planner.h: places activation buffers in one arena so that buffers alive at the same time never
// overlap. The interpreter runs models in the arena it plans, and the resource report estimates TFLite Micro's
// arena with the same planner, so the two cannot disagree.
//
// Algorithm (TFLite Micro's GreedyMemoryPlanner, reproduced step for step so that the arena it reports is the
// arena TFLM will ask for):
//   1. Round every size up to the alignment (TFLM's CreatePlan aligns sizes to 16 bytes before AddBuffer).
//   2. Order the buffers: offline-planned ones first, in request order and unsorted (their offsets are fixed);
//      then the online-planned ones by aligned size, largest first. GreedyMemoryPlanner::CalculateOffsetsIfNeeded
//      fills its sort array for online buffers from the *tail* (the last request ends up first) and sorts it
//      with a stable bubble sort (ReverseSortInPlace), so buffers of equal aligned size are placed in *reverse*
//      request order. (Requests come in tensor-index order, then scratch buffers in request order.)
//   3. An offline-planned buffer takes its offset. The first online buffer, when no offline one precedes it,
//      goes to offset 0. Each next one walks the buffers already placed whose lifetimes overlap its lifetime
//      (both ends inclusive), in offset order, and goes to the lowest offset where it fits in a gap between
//      them (or after the last of them).
//   4. The arena size is the largest offset + aligned size.
// Buffers of size 0 take no space and overlap nothing (TFLM does not plan them).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tinyopt {

// One buffer to place: `size` bytes live from step `first_use` to step `last_use`, both inclusive. Steps are
// whatever the caller counts in (op indices for the interpreter; TFLM's allocation scopes for the report).
struct BufferRequest {
  static constexpr long long kOnlinePlanned = -1;
  size_t size = 0;
  int first_use = 0;
  int last_use = 0;
  // A fixed offset from an offline plan (TFLite's "OfflineMemoryAllocation" metadata), or kOnlinePlanned.
  long long offline_offset = kOnlinePlanned;
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // offsets[i] for requests[i]; multiples of the alignment unless fixed offline
  size_t arena_bytes = 0;       // end of the highest buffer
};

// Plans the requests; each size is rounded up to `alignment` (TFLite Micro aligns buffers to 16 bytes).
ArenaPlan plan_arena(std::span<const BufferRequest> requests, size_t alignment = 16);

// The lower bound of any plan: the largest total (aligned) size of buffers live during a single op.
size_t arena_lower_bound(std::span<const BufferRequest> requests, size_t alignment = 16);

// Index pair (i, j) of two requests that are live at the same time and overlap in the plan, or {-1, -1}.
std::pair<int, int> find_overlap(std::span<const BufferRequest> requests, const ArenaPlan& plan);

}  // namespace tinyopt
