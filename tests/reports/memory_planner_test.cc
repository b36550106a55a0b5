// tests/reports/memory_planner_test.cc: the greedy planner (runtime/memory_planner.h) as TFLM's
// GreedyMemoryPlanner orders and places buffers, and its properties on random requests.
#include "runtime/memory_planner.h"

#include <random>

#include <doctest/doctest.h>

namespace tinyopt {
namespace {

TEST_CASE("planner: equal aligned sizes are placed in reverse request order (TFLM fills its sort array from the tail)") {
  // 490 and 496 both align to 496: GreedyMemoryPlanner puts online buffers into its sort array from the tail and
  // bubble-sorts it stably, so the *later* request is placed first, at 0; the earlier one, live at the same
  // time, goes above it. 100 bytes (-> 112) live only later reuses offset 0.
  std::vector<BufferRequest> r = {{490, 1, 2}, {496, 0, 1}, {100, 3, 3}};
  ArenaPlan p = plan_arena(r);
  CHECK(p.offsets[1] == 0);
  CHECK(p.offsets[0] == 496);
  CHECK(p.offsets[2] == 0);
  CHECK(p.arena_bytes == 992);
}

TEST_CASE("planner: a buffer goes into the first gap that is large enough") {
  // Placement order C, A (64 B each, reverse request order), then D, B (32 B). C [0,64) and A [64,128) are live
  // throughout; D (scopes 2..3) and B (scope 0) overlap C and A but not each other: both go to 128.
  std::vector<BufferRequest> r = {{64, 0, 3}, {32, 0, 0}, {64, 0, 3}, {32, 2, 3}};
  ArenaPlan p = plan_arena(r);
  CHECK(p.offsets[2] == 0);
  CHECK(p.offsets[0] == 64);
  CHECK(p.offsets[3] == 128);
  CHECK(p.offsets[1] == 128);
  CHECK(p.arena_bytes == 160);

  // A gap between placed buffers is used when it is large enough: X [0,64) and Z [96,160) are fixed offline with a
  // 32-byte hole between them; Y (32 B, live with both) takes the hole; W (48 B) does not fit it and goes on top.
  std::vector<BufferRequest> g = {{64, 0, 3, 0}, {64, 0, 3, 96}, {32, 1, 2}, {48, 1, 1}};
  ArenaPlan q = plan_arena(g);
  CHECK(q.offsets[0] == 0);
  CHECK(q.offsets[1] == 96);
  CHECK(q.offsets[3] == 160);
  CHECK(q.offsets[2] == 64);
  CHECK(q.arena_bytes == 208);
}

TEST_CASE("planner: offline-planned buffers keep their offsets and are placed before every online one") {
  // The offline buffer (16 B at 256) is placed first although it is the smallest; the 256-byte online buffer
  // live at the same time fits below it at 0; the arena ends at the offline buffer's end.
  std::vector<BufferRequest> r = {{256, 0, 1}, {16, 0, 1, 256}};
  ArenaPlan p = plan_arena(r);
  CHECK(p.offsets[1] == 256);
  CHECK(p.offsets[0] == 0);
  CHECK(p.arena_bytes == 272);
  CHECK(find_overlap(r, p).first == -1);
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
