// runtime/memory_planner.cc: the greedy by-size arena planner described in memory_planner.h.
#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace tinyopt {
namespace {

size_t align_up(size_t n, size_t alignment) { return (n + alignment - 1) / alignment * alignment; }
bool live_together(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

}  // namespace

ArenaPlan plan_arena(std::span<const BufferRequest> requests, size_t alignment) {
  const size_t n = requests.size();
  // TFLM's sort array: offline-planned buffers from the head in request order, online ones from the tail (so in
  // reverse request order); then a stable sort of the online part by size, largest first.
  std::vector<size_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (requests[i].offline_offset != BufferRequest::kOnlinePlanned) order.push_back(i);
  const size_t first_online = order.size();
  for (size_t i = n; i-- > 0;)
    if (requests[i].offline_offset == BufferRequest::kOnlinePlanned) order.push_back(i);
  std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(first_online), order.end(), [&](size_t a, size_t b) {
    return align_up(requests[a].size, alignment) > align_up(requests[b].size, alignment);
  });

  ArenaPlan plan;
  plan.offsets.assign(n, 0);
  std::vector<size_t> placed;  // indices of requests already placed
  for (size_t index : order) {
    const BufferRequest& r = requests[index];
    const size_t size = align_up(r.size, alignment);
    if (size == 0) continue;  // TFLM plans no zero-byte buffer; it stays at offset 0
    if (r.offline_offset != BufferRequest::kOnlinePlanned) {
      plan.offsets[index] = static_cast<size_t>(r.offline_offset);
      plan.arena_bytes = std::max(plan.arena_bytes, plan.offsets[index] + size);
      placed.push_back(index);
      continue;
    }
    std::vector<size_t> overlapping;
    for (size_t p : placed)
      if (live_together(requests[p], r) && requests[p].size > 0) overlapping.push_back(p);
    std::stable_sort(overlapping.begin(), overlapping.end(),
              [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
    size_t offset = 0;
    for (size_t p : overlapping) {
      if (plan.offsets[p] >= offset + size) break;  // the gap before p is big enough
      offset = std::max(offset, plan.offsets[p] + align_up(requests[p].size, alignment));
    }
    plan.offsets[index] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
    placed.push_back(index);
  }
  return plan;
}

size_t arena_lower_bound(std::span<const BufferRequest> requests, size_t alignment) {
  int last_op = -1;
  for (const BufferRequest& r : requests) last_op = std::max(last_op, r.last_use);
  size_t best = 0;
  for (int op = 0; op <= last_op; ++op) {
    size_t live = 0;
    for (const BufferRequest& r : requests)
      if (r.first_use <= op && op <= r.last_use) live += align_up(r.size, alignment);
    best = std::max(best, live);
  }
  return best;
}

std::pair<int, int> find_overlap(std::span<const BufferRequest> requests, const ArenaPlan& plan) {
  for (size_t i = 0; i < requests.size(); ++i)
    for (size_t j = i + 1; j < requests.size(); ++j) {
      if (!live_together(requests[i], requests[j]) || requests[i].size == 0 || requests[j].size == 0) continue;
      const size_t a0 = plan.offsets[i], a1 = a0 + requests[i].size;
      const size_t b0 = plan.offsets[j], b1 = b0 + requests[j].size;
      if (a0 < b1 && b0 < a1) return {static_cast<int>(i), static_cast<int>(j)};
    }
  return {-1, -1};
}

}  // namespace tinyopt
