// ir/exact_sum.h: a sum of doubles kept exactly, so that it does not depend on the order of the terms or on how
// they were split: shards summed on many machines and merged equal one run over every term, bit for bit.
//
// Every finite double is m * 2^e with a 53-bit integer m and e >= -1074, so a sum of them is an integer multiple
// of 2^-1074 below 2^1024 * (number of terms). It is held as a fixed-point integer in 32-bit digits stored in
// int64 limbs (limb i weighs 2^(32 i - kBias)); the spare 31 bits of each limb absorb carries, which are pushed
// up every 2^30 additions and before any read. After normalize() each limb but the top one is in [0, 2^32) and
// the top one carries the sign, so equal sums have equal limbs: value() and the JSON form are functions of the
// exact sum alone. Non-finite terms are counted apart (NaN, +inf, -inf), as IEEE addition would combine them.
#pragma once

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "ir/diagnostic.h"

namespace tinyopt {

class ExactSum {
 public:
  void add(double x);
  void merge(const ExactSum& other);
  // The sum rounded to a double (from the top digits down; a function of the exact value only).
  double value() const;
  bool operator==(const ExactSum& other) const;

  // {"digits": [[index, digit], ...], "nan": n, "pos_inf": n, "neg_inf": n}; digits as normalized, nonzero only.
  nlohmann::json to_json() const;
  static Expected<ExactSum> from_json(const nlohmann::json& j);

  static constexpr int kBias = 1088;   // 2^-1074 lies in limb 0: 1088 >= 1074, a multiple of 32
  static constexpr int kLimbs = 72;    // up to 2^(32*72 - 1088) = 2^1216: 2^1024 times 2^192 terms

 private:
  void normalize() const;
  mutable std::array<int64_t, kLimbs> limbs_{};
  mutable int64_t pending_ = 0;  // additions since the last normalize()
  int64_t nan_ = 0, pos_inf_ = 0, neg_inf_ = 0;
};

}  // namespace tinyopt
