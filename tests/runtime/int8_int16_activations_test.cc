// tests/runtime/int8_int16_activations_test.cc: SOFTMAX, LOGISTIC and TANH with int16 activations (TFLM "16x8"):
// values worked out by hand from the reference's integer steps, and whole-range sweeps against double math.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "tests/runtime/int8_test_graph.h"

namespace tinyopt {
namespace {

using test::add_act;
using test::bytes_of;
using test::qp;
using test::run_kernel;

using I16 = std::vector<int16_t>;

Graph unary_int16(OpKind kind, Shape shape, float in_scale, float out_scale = 1.0f / 32768) {
  Graph g;
  const TensorId in = add_act(g, DType::Int16, shape, qp(in_scale, 0));
  const TensorId out = add_act(g, DType::Int16, shape, qp(out_scale, 0));
  if (kind == OpKind::Softmax)
    test::add_one_op(g, kind, SoftmaxOptions{}, {in}, {out});
  else
    test::add_one_op(g, kind, std::monostate{}, {in}, {out});
  return g;
}

I16 all_int16() {
  I16 v;
  for (int x = -32768; x <= 32767; ++x) v.push_back(static_cast<int16_t>(x));
  return v;
}

// Largest |kernel(x) - round(f(x * in_scale) * 32768)| over every int16 x.
int max_error_vs_double(OpKind kind, KernelFactory factory, float in_scale, double (*f)(double)) {
  const Graph g = unary_int16(kind, {65536}, in_scale);
  const I16 x = all_int16();
  const I16 y = run_kernel<int16_t>(g, factory, {bytes_of(x)});
  int worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::min(32767.0, std::round(f(x[i] * static_cast<double>(in_scale)) * 32768.0));
    worst = std::max(worst, static_cast<int>(std::abs(y[i] - want)));
  }
  return worst;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double tanh_d(double x) { return std::tanh(x); }

TEST_CASE("int16 activation prepare: power-of-two scales and the 1/(3*4096) rescaling") {
  int l = 0;
  CHECK(fxp::checked_log2(1.0f / 4096, &l));
  CHECK(l == -12);
  CHECK_FALSE(fxp::checked_log2(1.0f / 3000, &l));
  // 2^-12: shift 15 - 3 - 12 = 0, power-of-two case (multiplier 0).
  CHECK(fxp::int16_activation_scaling(1.0f / 4096, false).multiplier == 0);
  CHECK(fxp::int16_activation_scaling(1.0f / 4096, false).shift == 0);
  // 2^-11: shift 1 is a power-of-two case for TANH only; LOGISTIC rescales: 2^-11 * 12288 = 6, doubled while
  // <= 16383.5: 6 * 2^12 = 24576, shift 12.
  CHECK(fxp::int16_activation_scaling(1.0f / 2048, true).multiplier == 0);
  CHECK(fxp::int16_activation_scaling(1.0f / 2048, true).shift == 1);
  CHECK(fxp::int16_activation_scaling(1.0f / 2048, false).multiplier == 24576);
  CHECK(fxp::int16_activation_scaling(1.0f / 2048, false).shift == 12);
}

TEST_CASE("logistic int16: 0 -> 0.5, saturation, and every input within 2 LSB of double math") {
  // Scale 2^-12 (power of two): x = 0 reads table entry 0 (32768 = 0.5 in Q0.16): (32768 << 9 + 512) >> 10 = 16384.
  const Graph g = unary_int16(OpKind::Logistic, {3}, 1.0f / 4096);
  const I16 y = run_kernel<int16_t>(g, make_logistic_int8, {bytes_of(I16{0, 1, -1})});
  CHECK(y[0] == 16384);
  // sigmoid(-x) = 1 - sigmoid(x): with R = the interpolated value, (R + 512) >> 10 and (2^25 - R + 511) >> 10 add
  // up to exactly 2^15.
  CHECK(y[1] + y[2] == 32768);
  // Scale 2^-10 is rescaled (multiplier 24576 << 11 ...): 32767 stands for 32, past the table: (0x7FFF << 10 + 512)
  // >> 10 = 32767; -32768: (2^25 - (0x7FFF << 10) + 511) >> 10 = 1535 >> 10 = 1.
  const Graph s = unary_int16(OpKind::Logistic, {2}, 1.0f / 1024);
  CHECK(run_kernel<int16_t>(s, make_logistic_int8, {bytes_of(I16{32767, -32768})}) == I16{32767, 1});
  CHECK(max_error_vs_double(OpKind::Logistic, make_logistic_int8, 1.0f / 4096, sigmoid) <= 2);
  CHECK(max_error_vs_double(OpKind::Logistic, make_logistic_int8, 1.0f / 3000, sigmoid) <= 2);
  CHECK(max_error_vs_double(OpKind::Logistic, make_logistic_int8, 1.0f / 1024, sigmoid) <= 2);
}

TEST_CASE("tanh int16: tanh(0) = 0, odd symmetry, saturation, and every input within 2 LSB of double math") {
  // x = 0: (32768 << 8) - 2^23 + 2^7 = 128, >> 8 = 0.
  const Graph g = unary_int16(OpKind::Tanh, {3}, 1.0f / 4096);
  const I16 y = run_kernel<int16_t>(g, make_tanh_int8, {bytes_of(I16{0, 1000, -1000})});
  CHECK(y[0] == 0);
  // Odd: with A = R - 2^23, floor((-A + 127) / 256) = -floor((A + 128) / 256).
  CHECK(y[1] == -y[2]);
  // Saturation (scale 2^-10, 32767 stands for 32): (0xFFFF << 8) - 2^23 + 2^7 = 8388480 >> 8 = 32767;
  // negative: -(0xFFFF << 8) + 2^23 + 127 = -8388225, floor(/256) = -32767.
  const Graph s = unary_int16(OpKind::Tanh, {2}, 1.0f / 1024);
  CHECK(run_kernel<int16_t>(s, make_tanh_int8, {bytes_of(I16{32767, -32768})}) == I16{32767, -32767});
  CHECK(max_error_vs_double(OpKind::Tanh, make_tanh_int8, 1.0f / 4096, tanh_d) <= 2);
  CHECK(max_error_vs_double(OpKind::Tanh, make_tanh_int8, 1.0f / 2048, tanh_d) <= 2);
  CHECK(max_error_vs_double(OpKind::Tanh, make_tanh_int8, 1.0f / 3000, tanh_d) <= 2);
}

TEST_CASE("int16 lookup tables: end points and interpolation") {
  std::vector<int16_t> exp_lut(fxp::kInt16LutSize), recip_lut(fxp::kInt16LutSize);
  fxp::generate_int16_lut([](float x) { return std::exp(x); }, -10.0f, 0.0f, -1.0f, 1.0f, exp_lut.data());
  fxp::generate_int16_lut([](float x) { return 1.0f / (1.0f + x); }, 0.0f, 1.0f, -1.0f, 1.0f, recip_lut.data());
  CHECK(exp_lut[512] == 32767);    // exp(0) * 32768 clamps
  CHECK(recip_lut[512] == 16384);  // 1 / 2
  CHECK(std::abs(exp_lut[0] - 1) <= 1);  // exp(-10) * 32768 = 1.49
  // Table values sit within 1 LSB of the function at each sample (bias is half the midpoint error).
  for (size_t i = 0; i < 512; ++i)
    CHECK(std::abs(recip_lut[i] - std::min(32767.0, std::round(32768.0 / (1 + static_cast<double>(i) / 512)))) <= 1);
  // Lookup of an exact sample point returns the entry; halfway between two entries, the rounded mean.
  CHECK(fxp::int16_lut_lookup(static_cast<int16_t>(-32768 + 128 * 5), recip_lut.data()) == recip_lut[5]);
  const int mid = fxp::int16_lut_lookup(static_cast<int16_t>(-32768 + 128 * 5 + 64), recip_lut.data());
  CHECK(mid == recip_lut[5] + (((recip_lut[6] - recip_lut[5]) * 64 + 64) >> 7));
}

TEST_CASE("softmax int16: equal inputs are uniform; outputs within a few LSB of double math") {
  const Graph g = unary_int16(OpKind::Softmax, {1, 4}, 0.001f);
  const I16 y = run_kernel<int16_t>(g, make_softmax_int8, {bytes_of(I16{500, 500, 500, 500})});
  CHECK(y[0] == y[1]);
  CHECK(y[1] == y[2]);
  CHECK(y[2] == y[3]);
  CHECK(std::abs(y[0] - 8192) <= 2);
  // One row of 10 spread values: [-5, 4.5] real.
  const Graph r = unary_int16(OpKind::Softmax, {2, 10}, 0.001f);
  I16 x;
  for (int i = 0; i < 20; ++i) x.push_back(static_cast<int16_t>((i % 10) * 1000 - 5000 + (i / 10) * 37));
  const I16 z = run_kernel<int16_t>(r, make_softmax_int8, {bytes_of(x)});
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int c = 0; c < 10; ++c) sum += std::exp(x[static_cast<size_t>(row * 10 + c)] * 0.001);
    for (int c = 0; c < 10; ++c) {
      const size_t i = static_cast<size_t>(row * 10 + c);
      const double want = std::exp(x[i] * 0.001) / sum * 32768.0;
      CHECK_MESSAGE(std::abs(z[i] - want) <= 4.0, "element ", i, ": ", z[i], " vs ", want);
    }
  }
  // Output scale other than 1/32768 is refused before running.
  const Graph bad = unary_int16(OpKind::Softmax, {1, 4}, 0.001f, 1.0f / 65536);
  CHECK_FALSE(make_softmax_int8(bad, 0).has_value());
}

}  // namespace
}  // namespace tinyopt
