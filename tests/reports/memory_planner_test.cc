// tests/reports/memory_planner_test.cc: the greedy planner (runtime/memory_planner.h) as TFLM's
// GreedyMemoryPlanner orders and places buffers, and its properties on random requests.
#include "runtime/memory_planner.h"

#include <random>

#include <doctest/doctest.h>

namespace tinyopt {
namespace {

TEST_CASE("planner: equal aligned sizes keep request order (TFLM's stable sort)") {
  // 490 and 496 both align to 496: the first request is placed first, at 0; the second, live at the same time,
  // goes above it. 100 bytes (-> 112) live only later reuses offset 0.
  std::vector<BufferRequest> r = {{490, 1, 2}, {496, 0, 1}, {100, 3, 3}};
  ArenaPlan p = plan_arena(r);
  CHECK(p.offsets[0] == 0);
  CHECK(p.offsets[1] == 496);
  CHECK(p.offsets[2] == 0);
  CHECK(p.arena_bytes == 992);
}

TEST_CASE("planner: a buffer goes into the first gap that is large enough") {
  // A [0,64) and C [96,160) placed around a gap of 32 bytes (B, 32 B, dead by then), then D (32 B) fits the gap.
  std::vector<BufferRequest> r = {{64, 0, 3}, {32, 0, 0}, {64, 0, 3}, {32, 2, 3}};
  ArenaPlan p = plan_arena(r);
  CHECK(p.offsets[0] == 0);
  CHECK(p.offsets[2] == 64);
  CHECK(p.offsets[1] == 128);
  CHECK(p.offsets[3] == 128);
  CHECK(p.arena_bytes == 160);
}

TEST_CASE("planner: random requests never overlap and never beat the lower bound") {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    std::vector<BufferRequest> r(rng() % 30 + 1);
    for (auto& b : r) {
      b.first_use = static_cast<int>(rng() % 20);
      b.last_use = b.first_use + static_cast<int>(rng() % 6);
      b.size = rng() % 3 == 0 ? 0 : rng() % 5000;
    }
    ArenaPlan p = plan_arena(r);
    INFO("seed " << seed);
    CHECK(find_overlap(r, p).first == -1);
    CHECK(p.arena_bytes >= arena_lower_bound(r));
    for (size_t i = 0; i < r.size(); ++i) CHECK(p.offsets[i] % 16 == 0);
  }
}

}  // namespace
}  // namespace tinyopt
