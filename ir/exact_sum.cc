// ir/exact_sum.cc: the exact accumulator of exact_sum.h.
#include "ir/exact_sum.h"

#include <cmath>
#include <limits>

namespace tinyopt {
namespace {
constexpr int64_t kDigit = int64_t{1} << 32;
}

void ExactSum::add(double x) {
  if (std::isnan(x)) { ++nan_; return; }
  if (std::isinf(x)) { ++(x > 0 ? pos_inf_ : neg_inf_); return; }
  if (x == 0) return;
  int exp = 0;
  const double frac = std::frexp(std::fabs(x), &exp);            // |x| = frac * 2^exp, frac in [0.5, 1)
  uint64_t mant = static_cast<uint64_t>(std::ldexp(frac, 53));   // exact: 53-bit integer
  int low = exp - 53;                                            // |x| = mant * 2^low
  if (low < -1074) { mant >>= (-1074 - low); low = -1074; }      // subnormals: the dropped bits are zero
  const int bit = low + kBias;                                   // >= 14
  const int limb = bit / 32, shift = bit % 32;
  // mant << shift has at most 53 + 31 = 84 bits: three 32-bit digits.
  const unsigned __int128 wide = static_cast<unsigned __int128>(mant) << shift;
  const int64_t sign = x < 0 ? -1 : 1;
  for (int k = 0; k < 3 && limb + k < kLimbs; ++k)
    limbs_[static_cast<size_t>(limb + k)] += sign * static_cast<int64_t>((wide >> (32 * k)) & 0xffffffffu);
  if (++pending_ >= (int64_t{1} << 30)) normalize();
}

void ExactSum::merge(const ExactSum& o) {
  normalize();
  o.normalize();
  for (size_t i = 0; i < limbs_.size(); ++i) limbs_[i] += o.limbs_[i];
  pending_ = 2;
  nan_ += o.nan_;
  pos_inf_ += o.pos_inf_;
  neg_inf_ += o.neg_inf_;
}

void ExactSum::normalize() const {
  if (pending_ == 0) return;
  int64_t carry = 0;
  for (size_t i = 0; i + 1 < limbs_.size(); ++i) {
    const int64_t v = limbs_[i] + carry;
    // Floor division by 2^32 so that the digit left behind is in [0, 2^32).
    carry = v >= 0 ? v / kDigit : -((-v + kDigit - 1) / kDigit);
    limbs_[i] = v - carry * kDigit;
  }
  limbs_.back() += carry;
  pending_ = 0;
}

double ExactSum::value() const {
  if (nan_ || (pos_inf_ && neg_inf_)) return std::numeric_limits<double>::quiet_NaN();
  if (pos_inf_) return std::numeric_limits<double>::infinity();
  if (neg_inf_) return -std::numeric_limits<double>::infinity();
  normalize();
  // A negative sum has a negative top limb over nonnegative digits: convert its magnitude, then negate.
  std::array<int64_t, kLimbs> digits = limbs_;
  const bool negative = digits.back() < 0;
  if (negative) {
    int64_t carry = 0;
    for (size_t i = 0; i < digits.size(); ++i) {
      const int64_t v = -digits[i] + carry;
      carry = v >= 0 ? v / kDigit : -((-v + kDigit - 1) / kDigit);
      digits[i] = v - carry * kDigit;
    }
  }
  double v = 0;
  for (int i = kLimbs - 1; i >= 0; --i)
    if (digits[static_cast<size_t>(i)]) v += std::ldexp(static_cast<double>(digits[static_cast<size_t>(i)]), 32 * i - kBias);
  return negative ? -v : v;
}

bool ExactSum::operator==(const ExactSum& o) const {
  normalize();
  o.normalize();
  return limbs_ == o.limbs_ && nan_ == o.nan_ && pos_inf_ == o.pos_inf_ && neg_inf_ == o.neg_inf_;
}

nlohmann::json ExactSum::to_json() const {
  normalize();
  nlohmann::json digits = nlohmann::json::array();
  for (size_t i = 0; i < limbs_.size(); ++i)
    if (limbs_[i]) digits.push_back({i, limbs_[i]});
  return {{"digits", digits}, {"nan", nan_}, {"pos_inf", pos_inf_}, {"neg_inf", neg_inf_}};
}

Expected<ExactSum> ExactSum::from_json(const nlohmann::json& j) {
  ExactSum s;
  try {
    for (const auto& d : j.at("digits")) {
      const auto i = d.at(0).get<int64_t>();
      const auto v = d.at(1).get<int64_t>();
      const bool top = i == kLimbs - 1;
      if (i < 0 || i >= kLimbs || (!top && (v < 0 || v >= kDigit)) || (top && (v <= -kDigit || v >= kDigit)))
        return fail(Errc::BadInput, {}, "exact sum digit [{}, {}] is out of range", i, v);
      s.limbs_[static_cast<size_t>(i)] = v;
    }
    s.nan_ = j.at("nan").get<int64_t>();
    s.pos_inf_ = j.at("pos_inf").get<int64_t>();
    s.neg_inf_ = j.at("neg_inf").get<int64_t>();
    if (s.nan_ < 0 || s.pos_inf_ < 0 || s.neg_inf_ < 0) return fail(Errc::BadInput, {}, "negative non-finite count");
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::BadInput, {}, "bad exact sum: {}", e.what());
  }
  return s;
}

}  // namespace tinyopt
