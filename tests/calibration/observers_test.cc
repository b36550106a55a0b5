// tests/calibration/observers_test.cc: observers and statistics: two shards merged equal one run over both,
// JSON round trips, range selection properties, data-source errors.
#include <cmath>
#include <filesystem>
#include <random>

#include <doctest/doctest.h>

#include "calibration/calibration_data.h"
#include "calibration/stats.h"
#include "formats/npy/npy.h"

using namespace tinyopt;

namespace {

std::vector<std::vector<float>> random_samples(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.5f, 2.0f);
  std::vector<std::vector<float>> s(static_cast<size_t>(n), std::vector<float>(64));
  for (auto& v : s) for (float& x : v) x = d(rng);
  s[3][7] = 40.0f;  // an outlier that forces the histogram range to grow mid-run
  return s;
}

CalibrationStats observe(ObserverKind k, const std::vector<std::vector<float>>& samples, size_t begin, size_t end,
                         double percentile = 99.99) {
  CalibrationStats st;
  st.config.kind = k;
  st.config.percentile = percentile;
  st.tensors["t"] = make_observer(st.config);
  for (size_t i = begin; i < end; ++i) { st.tensors["t"]->observe(samples[i]); ++st.samples; }
  return st;
}

}  // namespace

TEST_CASE("calibration stats: two shards merged == one run over both (exact observers)") {
  auto samples = random_samples(7, 40);
  for (ObserverKind k : {ObserverKind::MinMax, ObserverKind::Percentile, ObserverKind::Mse, ObserverKind::Kl}) {
    CalibrationStats all = observe(k, samples, 0, 40);
    CalibrationStats a = observe(k, samples, 0, 13), b = observe(k, samples, 13, 40);
    REQUIRE(a.merge(b));
    CHECK_MESSAGE(a.to_json() == all.to_json(), observer_kind_name(k));
    CHECK(*a.range("t", {}) == *all.range("t", {}));
  }
}

TEST_CASE("calibration stats: JSON round trip keeps every range") {
  auto samples = random_samples(11, 20);
  for (ObserverKind k : {ObserverKind::MinMax, ObserverKind::MovingAverage, ObserverKind::Percentile, ObserverKind::Mse, ObserverKind::Kl}) {
    CalibrationStats s = observe(k, samples, 0, 20);
    Expected<CalibrationStats> back = CalibrationStats::from_json(nlohmann::json::parse(s.to_json().dump()));
    REQUIRE(back);
    CHECK(back->to_json() == s.to_json());
    Range r = *s.range("t", {});
    CHECK(r.min <= 0.0f);
    CHECK(r.max >= 0.0f);
  }
  CHECK(!CalibrationStats::from_json(nlohmann::json{{"schema", "x"}}));
}

TEST_CASE("calibration: minmax sees the outlier, percentile clips it, mse weighs it") {
  auto samples = random_samples(3, 40);
  CalibrationStats mm = observe(ObserverKind::MinMax, samples, 0, 40);
  CalibrationStats pc = observe(ObserverKind::Percentile, samples, 0, 40, 99.9);  // 2560 values: clips ~2
  CalibrationStats ms = observe(ObserverKind::Mse, samples, 0, 40);
  CHECK(mm.range("t", {})->max == 40.0f);
  CHECK(pc.range("t", {})->max < 40.0f);
  // One value at 40 clipped to ~8 costs 32^2 = 1024, more than the rounding noise a wide range adds over 2560
  // values (~2560 * (48/255)^2/12 = 7.6): MSE keeps it. A heavy tail of many values is clipped instead.
  CHECK(ms.range("t", {})->max == doctest::Approx(40.0f).epsilon(0.02));
  std::mt19937 rng(5);
  std::exponential_distribution<float> e(1.0f);
  std::vector<std::vector<float>> tail(200, std::vector<float>(500));
  for (auto& v : tail) for (float& x : v) x = e(rng);
  CalibrationStats mt = observe(ObserverKind::Mse, tail, 0, 200);
  CalibrationStats mm2 = observe(ObserverKind::MinMax, tail, 0, 200);
  CHECK(mt.range("t", {})->max < mm2.range("t", {})->max);
}

TEST_CASE("calibration: kl keeps the whole range of a uniform distribution (nothing to trade for resolution)") {
  // Regression: Q was built from P with the clipped outliers folded in, so KL was zero at the narrowest
  // candidate and every tensor got clipped to it (fmnist 83.7%).
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0.0f, 10.0f);
  std::vector<std::vector<float>> s(200, std::vector<float>(500));
  for (auto& v : s) for (float& x : v) x = u(rng);
  CalibrationStats kl = observe(ObserverKind::Kl, s, 0, 200);
  CHECK(kl.range("t", {})->max > 9.0f);
}

TEST_CASE("calibration: clip = false (SOFTMAX inputs, model outputs) gives every observer the observed range") {
  auto samples = random_samples(3, 40);
  CalibrationStats mm = observe(ObserverKind::MinMax, samples, 0, 40);
  const Range observed = *mm.range("t", {});
  for (ObserverKind k : {ObserverKind::Percentile, ObserverKind::Mse, ObserverKind::Kl}) {
    CAPTURE(observer_kind_name(k));
    CalibrationStats st = observe(k, samples, 0, 40, 99.0);
    if (k != ObserverKind::Mse) CHECK(st.range("t", {})->max < observed.max);  // clips the outlier at 40
    Range r = *st.range("t", {.clip = false});
    CHECK(r.min == observed.min);
    CHECK(r.max == observed.max);
    Range sym = *st.range("t", {.levels = 65536, .symmetric = true, .clip = false});
    CHECK(sym.max == observed.max);
    CHECK(sym.min == -observed.max);
  }
}

TEST_CASE("calibration data: npy shape and dtype mismatches name both sides; NaN is an error") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "tinyopt_calib_test";
  fs::create_directories(dir);
  std::vector<float> v(2 * 5 * 3, 0.25f);
  REQUIRE(write_npy(dir / "ok.npy", make_npy<float>({2, 5, 3}, v)));
  Expected<Dataset> ok = open_calibration_data(dir / "ok.npy", Shape{1, 5, 3}, "input");
  REQUIRE(ok);
  CHECK(ok->size() == 2);
  REQUIRE(write_npy(dir / "bad.npy", make_npy<float>({2, 15}, v)));
  Expected<Dataset> bad = open_calibration_data(dir / "bad.npy", Shape{1, 5, 3}, "input");
  REQUIRE(!bad);
  CHECK(bad.error().to_string().find("[2,15]") != std::string::npos);
  CHECK(bad.error().to_string().find("[1,5,3]") != std::string::npos);
  v[4] = NAN;
  REQUIRE(write_npy(dir / "nan.npy", make_npy<float>({2, 5, 3}, v)));
  Expected<Dataset> nan = open_calibration_data(dir / "nan.npy", Shape{1, 5, 3}, "input");
  REQUIRE(!nan);
  CHECK(nan.error().message.find("NaN") != std::string::npos);
  std::vector<int32_t> ints(15, 1);
  REQUIRE(write_npy(dir / "i32.npy", make_npy<int32_t>({1, 5, 3}, ints)));
  Expected<Dataset> i32 = open_calibration_data(dir / "i32.npy", Shape{1, 5, 3}, "input");
  REQUIRE(!i32);
  CHECK(i32.error().message.find("int32") != std::string::npos);
  fs::create_directories(dir / "empty");
  CHECK(!open_calibration_data(dir / "empty", Shape{1, 5, 3}, "input"));
  fs::remove_all(dir);
}
