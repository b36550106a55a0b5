// tests/train/losses_test.cc: loss values checked by hand and loss gradients against finite differences.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "train/losses.h"

namespace tinyopt {
namespace {

TEST_CASE("softmax cross-entropy: value by hand, gradient p - onehot, stable for huge logits") {
  // logits [0, ln 3]: p = [1/4, 3/4]; label 1 -> loss = -ln(3/4) = 0.28768; grad = [1/4, -1/4]
  std::vector<float> z{0.f, std::log(3.f)}, g(2, 0.f);
  const double l = softmax_cross_entropy(z, 1.f, std::vector<int32_t>{1}, 2, {}, 1.f, g);
  CHECK(l == doctest::Approx(0.2876821).epsilon(1e-6));
  CHECK(g[0] == doctest::Approx(0.25));
  CHECK(g[1] == doctest::Approx(-0.25));
  // Logits of 1000 would overflow exp(); log-sum-exp keeps the loss finite: label 0 -> loss = 1000 - (-1000) = 2000.
  std::vector<float> big{-1000.f, 1000.f}, gb(2, 0.f);
  const double lb = softmax_cross_entropy(big, 1.f, std::vector<int32_t>{0}, 2, {}, 1.f, gb);
  CHECK(lb == doctest::Approx(2000.0));
  CHECK(gb[0] == doctest::Approx(-1.0));
}

TEST_CASE("padding rows with weight 0 contribute nothing") {
  std::vector<float> z{1.f, 2.f, 3.f, -1.f}, g(4, 0.f);
  const double l = softmax_cross_entropy(z, 1.f, std::vector<int32_t>{0, 1}, 2, std::vector<float>{1.f, 0.f}, 1.f, g);
  std::vector<float> g1(2, 0.f);
  const double l1 = softmax_cross_entropy(std::vector<float>{1.f, 2.f}, 1.f, std::vector<int32_t>{0}, 2, {}, 1.f, g1);
  CHECK(l == doctest::Approx(l1));
  CHECK(g[2] == 0.f);
  CHECK(g[3] == 0.f);
}

TEST_CASE("MSE: value and gradient by hand") {
  // out [1, 3], target [0, 1]: ((1)^2 + (2)^2) / 2 = 2.5; grad = 2 d / 2 = [1, 2]
  std::vector<float> g(2, 0.f);
  CHECK(mean_squared_error(std::vector<float>{1.f, 3.f}, std::vector<float>{0.f, 1.f}, 2, {}, 1.f, g) ==
        doctest::Approx(2.5));
  CHECK(g[0] == doctest::Approx(1.f));
  CHECK(g[1] == doctest::Approx(2.f));
}

TEST_CASE("KL divergence with temperature: zero at the teacher, gradient matches finite differences") {
  const float t = 3.f, beta = 1.5f;
  std::vector<float> z{0.3f, -1.2f, 2.0f, 0.7f};
  // Teacher = softmax(beta * z) exactly: softened at the same temperature, the two agree, so KL = 0, grad = 0.
  std::vector<float> p(4);
  double s = 0;
  for (size_t i = 0; i < 4; ++i) s += std::exp(beta * z[i]);
  for (size_t i = 0; i < 4; ++i) p[i] = static_cast<float>(std::exp(beta * z[i]) / s);
  std::vector<float> g(4, 0.f);
  CHECK(softmax_kl_divergence(z, beta, p, t, 4, {}, 1.f, g) == doctest::Approx(0.0).epsilon(1e-6));
  for (float v : g) CHECK(std::fabs(v) < 1e-5f);
  const std::vector<float> teacher{0.1f, 0.2f, 0.3f, 0.4f};
  std::fill(g.begin(), g.end(), 0.f);
  softmax_kl_divergence(z, beta, teacher, t, 4, {}, 1.f, g);
  for (size_t i = 0; i < 4; ++i) {
    std::vector<float> zp = z, zm = z, scratch(4, 0.f);
    zp[i] += 1e-3f, zm[i] -= 1e-3f;
    const double fd = (softmax_kl_divergence(zp, beta, teacher, t, 4, {}, 1.f, scratch) -
                       softmax_kl_divergence(zm, beta, teacher, t, 4, {}, 1.f, scratch)) / 2e-3;
    CHECK(g[i] == doctest::Approx(fd).epsilon(1e-2));
  }
}

TEST_CASE("cross-entropy on probabilities: -log p and -1/p") {
  std::vector<float> g(2, 0.f);
  CHECK(cross_entropy_probs(std::vector<float>{0.5f, 0.5f}, std::vector<int32_t>{1}, 2, {}, 1.f, g) ==
        doctest::Approx(std::log(2.0)));
  CHECK(g[1] == doctest::Approx(-2.f));
  CHECK(argmax(std::vector<float>{0.1f, 0.7f, 0.7f}) == 1);
}

}  // namespace
}  // namespace tinyopt
