// tests/verify/exact_sum_test.cc: ir/exact_sum.h: the sum does not depend on order or on how terms are split, and
// survives its JSON form; verify tallies merged from shards equal one tally.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ir/exact_sum.h"

using tinyopt::ExactSum;

TEST_CASE("exact sum: order and split independent, exact where doubles are not") {
  std::mt19937_64 rng(7);  // seed 7
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) v.push_back(std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng), static_cast<int>(rng() % 80) - 40));
  ExactSum a, b, c1, c2;
  for (double x : v) a.add(x);
  std::vector<double> shuffled = v;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (double x : shuffled) b.add(x);
  for (size_t i = 0; i < v.size(); ++i) (i < 1234 ? c1 : c2).add(v[i]);
  c2.merge(c1);
  CHECK(a == b);
  CHECK(a == c2);
  CHECK(a.value() == b.value());
  // 1e16 + 1 - 1e16 is 0 in doubles and 1 exactly.
  ExactSum e;
  e.add(1e16), e.add(1.0), e.add(-1e16);
  CHECK(e.value() == 1.0);
  ExactSum neg;
  neg.add(-3.5), neg.add(1.25);
  CHECK(neg.value() == -2.25);
  tinyopt::Expected<ExactSum> back = ExactSum::from_json(a.to_json());
  REQUIRE(back);
  CHECK(*back == a);
  ExactSum tiny;
  tiny.add(std::ldexp(1.0, -1074)), tiny.add(std::ldexp(1.0, -1074));
  CHECK(tiny.value() == std::ldexp(1.0, -1073));
  ExactSum inf;
  inf.add(INFINITY);
  CHECK(std::isinf(inf.value()));
}
