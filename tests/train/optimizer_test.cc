// tests/train/optimizer_test.cc: optimiser steps and schedules checked by hand; masks, clipping.
#include <cmath>
#include <numbers>
#include <vector>

#include <doctest/doctest.h>

#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace tinyopt {
namespace {

TEST_CASE("SGD with momentum: two steps by hand") {
  // w=1, g=0.5, lr=0.1, momentum 0.9: v1 = 0.5, w1 = 0.95; same g: v2 = 0.9*0.5 + 0.5 = 0.95, w2 = 0.95 - 0.095 = 0.855
  std::vector<float> w{1.f}, g{0.5f};
  std::vector<ParamSlot> slots{{.value = w, .grad = g, .mask = {}}};
  Optimizer opt({.kind = OptimizerConfig::Kind::Sgd, .momentum = 0.9});
  opt.step(slots, 0.1);
  CHECK(w[0] == doctest::Approx(0.95f));
  g[0] = 0.5f;
  opt.step(slots, 0.1);
  CHECK(w[0] == doctest::Approx(0.855f));
}

TEST_CASE("Adam: the first step moves each weight by lr * sign(g); AdamW decays decoupled") {
  std::vector<float> w{1.f, -2.f}, g{0.3f, -4.f};
  std::vector<ParamSlot> slots{{.value = w, .grad = g, .mask = {}}};
  Optimizer adam({.kind = OptimizerConfig::Kind::Adam});
  adam.step(slots, 0.01);  // m^ = g, s^ = g^2 -> step = lr * g / |g|
  CHECK(w[0] == doctest::Approx(0.99f).epsilon(1e-5));
  CHECK(w[1] == doctest::Approx(-1.99f).epsilon(1e-5));

  std::vector<float> w2{1.f}, g2{0.f};
  std::vector<ParamSlot> s2{{.value = w2, .grad = g2, .mask = {}, .decay = true}};
  Optimizer adamw({.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 0.1});
  adamw.step(s2, 0.5);  // zero gradient: only decay, w -= lr * wd * w = 1 - 0.05
  CHECK(w2[0] == doctest::Approx(0.95f));
  std::vector<float> w3{1.f}, g3{0.f};
  std::vector<ParamSlot> s3{{.value = w3, .grad = g3, .mask = {}, .decay = false}};  // biases are not decayed
  Optimizer adamw2({.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 0.1});
  adamw2.step(s3, 0.5);
  CHECK(w3[0] == 1.f);
}

TEST_CASE("masks hold pruned weights at exactly zero, even with momentum and decay") {
  std::vector<float> w{0.f, 1.f, 0.f}, g{1.f, 1.f, -1.f};
  const std::vector<uint8_t> mask{0, 1, 0};
  std::vector<ParamSlot> slots{{.value = w, .grad = g, .mask = mask}};
  Optimizer opt({.kind = OptimizerConfig::Kind::AdamW, .weight_decay = 0.01});
  for (int i = 0; i < 5; ++i) {
    g = {1.f, 1.f, -1.f};
    opt.step(slots, 0.1);
  }
  CHECK(w[0] == 0.f);
  CHECK(w[2] == 0.f);
  CHECK(w[1] < 1.f);
}

TEST_CASE("clipping scales the global gradient norm down to clip_norm") {
  // g = [3, 4] (norm 5), clip 1 -> [0.6, 0.8]; plain SGD without momentum moves w by lr * that.
  std::vector<float> a{0.f}, b{0.f}, ga{3.f}, gb{4.f};
  std::vector<ParamSlot> slots{{.value = a, .grad = ga, .mask = {}}, {.value = b, .grad = gb, .mask = {}}};
  Optimizer opt({.kind = OptimizerConfig::Kind::Sgd, .momentum = 0, .clip_norm = 1.0});
  CHECK(opt.step(slots, 1.0) == doctest::Approx(5.0));
  CHECK(a[0] == doctest::Approx(-0.6f));
  CHECK(b[0] == doctest::Approx(-0.8f));
}

TEST_CASE("learning-rate schedules: step, cosine, warm-up") {
  LrSchedule step{.kind = LrSchedule::Kind::Step, .lr = 1.0, .step_size = 10, .gamma = 0.5};
  CHECK(step.at(9) == 1.0);
  CHECK(step.at(10) == 0.5);
  CHECK(step.at(25) == 0.25);
  LrSchedule cos{.kind = LrSchedule::Kind::Cosine, .lr = 1.0, .min_lr = 0.1, .total_steps = 100};
  CHECK(cos.at(0) == doctest::Approx(1.0));
  CHECK(cos.at(50) == doctest::Approx(0.55));
  CHECK(cos.at(100) == doctest::Approx(0.1));
  LrSchedule warm{.lr = 1.0, .warmup_steps = 4};
  CHECK(warm.at(0) == doctest::Approx(0.25));
  CHECK(warm.at(3) == doctest::Approx(1.0));
  CHECK(warm.at(10) == 1.0);
}

}  // namespace
}  // namespace tinyopt
