// tests/calibration/range_search_test.cc: the KL range search on synthetic histograms with known answers: a
// Gaussian keeps its tails to beyond 4 sigma, a uniform is not clipped, far outliers are, and a spike of exact
// zeros (ReLU outputs) does not move the range.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "calibration/range_search.h"

using namespace tinyopt;

namespace {

// Standard normal quantile by bisection on erfc: the samples below are quantiles, not draws, so the histograms
// are the same on every platform (std::normal_distribution is not).
double normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// n evenly spaced quantiles (i + 0.5) / n of N(0, 1).
std::vector<float> gaussian_quantiles(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(normal_quantile((i + 0.5) / n));
  return v;
}

Histogram histogram_of(const std::vector<float>& v) {
  Histogram h;
  h.add(v);
  return h;
}

}  // namespace

TEST_CASE("kl range: a Gaussian keeps its tails beyond 4 sigma") {
  // Reference: the entropy construction of NVIDIA's calibrator (histogram of |x| in 2048 bins, 128 levels,
  // thresholds from bin 128 up), computed apart in numpy on these 200,000 quantiles, clips at 4.33 of
  // max 4.56; with 256 levels it does not clip. 8-bit KL keeps far more than it clips on a Gaussian.
  const std::vector<float> g = gaussian_quantiles(200000);
  const Histogram h = histogram_of(g);
  const Range r = kl_range(h, {});
  MESSAGE("N(0,1) quantiles: kl range [" << r.min << ", " << r.max << "], observed [" << h.min() << ", " << h.max() << "]");
  CHECK(r.max > 4.0f);
  CHECK(r.max <= h.max());
  CHECK(r.min < -4.0f);
  CHECK(r.min >= h.min());
}

TEST_CASE("kl range: a uniform distribution is not clipped, signed or one-sided") {
  std::vector<float> signed_u, one_sided;
  for (int i = 0; i < 100000; ++i) {
    signed_u.push_back(-1.0f + 2.0f * (static_cast<float>(i) + 0.5f) / 100000.0f);
    one_sided.push_back(10.0f * (static_cast<float>(i) + 0.5f) / 100000.0f);
  }
  const Range s = kl_range(histogram_of(signed_u), {});
  CHECK(s.min < -0.97f);
  CHECK(s.max > 0.97f);
  const Range o = kl_range(histogram_of(one_sided), {});
  CHECK(o.min == 0.0f);
  CHECK(o.max > 9.7f);
}

TEST_CASE("kl range: a few far outliers are clipped, the bulk is kept") {
  std::vector<float> v = gaussian_quantiles(200000);
  for (int i = 0; i < 5; ++i) v.push_back(40.0f);
  const Histogram h = histogram_of(v);
  REQUIRE(h.max() == 40.0f);
  const Range r = kl_range(h, {});
  CHECK(r.max < 8.0f);   // the 5 values at 40 (0.0025%) are clipped
  CHECK(r.max > 4.0f);   // the Gaussian's tail is not
  CHECK(r.min < -4.0f);  // the other side is chosen on its own
}

TEST_CASE("kl range: a spike of exact zeros (ReLU outputs) does not move the range") {
  // Regression: the zero bin's mass, spread by Q over the bins of its level, made KL favour the narrowest ranges;
  // fmnist's first conv was clipped to [0, 1.45] of [0, 7.07] and the model lost 2.2 pp.
  const std::vector<float> g = gaussian_quantiles(200000);
  std::vector<float> relu;  // a ReLU of N(0,1): half exact zeros, half a half-normal
  for (float x : g) relu.push_back(std::max(x, 0.0f));
  std::vector<float> positive;
  for (float x : g) if (x > 0) positive.push_back(x);
  const Range with_zeros = kl_range(histogram_of(relu), {});
  const Range without = kl_range(histogram_of(positive), {});
  MESSAGE("ReLU(N(0,1)): kl max " << with_zeros.max << " with the zeros, " << without.max << " without");
  CHECK(with_zeros.min == 0.0f);
  CHECK(with_zeros.max == doctest::Approx(without.max).epsilon(0.02));
  CHECK(with_zeros.max > 4.0f);
  // The old rule (zero bin as observed) clipped the same histogram far harder.
  const Range kept = kl_range(histogram_of(relu), {}, {.zero_bin = KlSearch::ZeroBin::Keep});
  MESSAGE("zero bin kept (old rule): kl max " << kept.max);
  CHECK(kept.max < 0.5f * with_zeros.max);

  // A signed tensor with a spike at 0 (half exact zeros, half N(0,1)): the range is the Gaussian's.
  std::vector<float> sparse = g;
  sparse.insert(sparse.end(), g.size(), 0.0f);
  const Range s = kl_range(histogram_of(sparse), {});
  const Range plain = kl_range(histogram_of(g), {});
  CHECK(s.max == doctest::Approx(plain.max).epsilon(0.02));
  CHECK(s.min == doctest::Approx(plain.min).epsilon(0.02));
}
