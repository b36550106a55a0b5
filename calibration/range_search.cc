// calibration/range_search.cc: percentile, MSE-optimal and KL range selection over a Histogram.
#include "calibration/range_search.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace tinyopt {
namespace {

struct Bin {
  double x;  // center
  double n;  // count
};

std::vector<Bin> nonzero_bins(const Histogram& h) {
  std::vector<Bin> out;
  for (int i = 0; i < Histogram::kBins; ++i)
    if (h.bins()[static_cast<size_t>(i)]) out.push_back({h.bin_center(i), static_cast<double>(h.bins()[static_cast<size_t>(i)])});
  return out;
}

Range with_zero(double lo, double hi) {
  return {static_cast<float>(std::min(lo, 0.0)), static_cast<float>(std::max(hi, 0.0))};
}

// Tries candidate ranges built from the observed [min, max] and returns the one with the least cost.
Range search(const Histogram& h, const RangeRequest& req, const std::function<double(double, double)>& cost) {
  double lo0 = std::min<double>(h.min(), 0.0), hi0 = std::max<double>(h.max(), 0.0);
  if (req.symmetric) { hi0 = std::max(-lo0, hi0); lo0 = -hi0; }
  if (hi0 - lo0 <= 0) return with_zero(lo0, hi0);
  const int steps = 60;
  auto factor = [&](int k) { return 1.0 - 0.9 * k / steps; };
  double best = std::numeric_limits<double>::infinity();
  Range r = with_zero(lo0, hi0);
  for (int a = 0; a <= steps; ++a) {
    if (lo0 == 0 && a > 0) break;
    for (int b = 0; b <= steps; ++b) {
      if (hi0 == 0 && b > 0) break;
      if (req.symmetric && b != a) continue;
      double lo = lo0 * factor(a), hi = hi0 * factor(b);
      double c = cost(lo, hi);
      if (c < best) { best = c; r = with_zero(lo, hi); }
    }
  }
  return r;
}

// The observed range (clip = false): [min, max] with 0, symmetric when asked.
Range observed_range(const Histogram& h, const RangeRequest& req) {
  double lo = h.min(), hi = h.max();
  if (req.symmetric) { double m = std::max(std::fabs(lo), std::fabs(hi)); lo = -m; hi = m; }
  return with_zero(lo, hi);
}

}  // namespace

Range percentile_range(const Histogram& h, double percentile, const RangeRequest& req) {
  if (h.empty()) return {};
  if (!req.clip) return observed_range(h, req);
  double p = std::clamp(percentile / 100.0, 0.5, 1.0);
  double lo = h.quantile(1.0 - p), hi = h.quantile(p);
  if (req.symmetric) { double m = std::max(std::fabs(lo), std::fabs(hi)); lo = -m; hi = m; }
  return with_zero(lo, hi);
}

Range mse_range(const Histogram& h, const RangeRequest& req) {
  if (h.empty()) return {};
  if (!req.clip) return observed_range(h, req);
  std::vector<Bin> bins = nonzero_bins(h);
  return search(h, req, [&](double lo, double hi) {
    double step = (hi - lo) / (req.levels - 1);
    double noise = step * step / 12.0, err = 0;
    for (const Bin& b : bins) {
      if (b.x < lo) err += b.n * (lo - b.x) * (lo - b.x);
      else if (b.x > hi) err += b.n * (b.x - hi) * (b.x - hi);
      else err += b.n * noise;
    }
    return err;
  });
}

Range kl_range(const Histogram& h, const RangeRequest& req, const KlSearch& how) {
  if (h.empty()) return {};
  if (!req.clip) return observed_range(h, req);
  const int levels = how.levels ? how.levels : std::min(req.levels, 256);  // int16: more levels than bins in range, KL would be ~0
  std::vector<double> raw(h.bins().begin(), h.bins().end());
  // The spike at 0 (ReLU outputs: about half the values of fmnist's activations are exactly 0) is quantized
  // exactly in every range (the zero point makes 0 a grid value), yet Q spreads the mass of its group evenly over
  // the group's k non-empty bins, so KL charges the spike about p0 * ln(k), which shrinks with the range. On
  // fmnist's first conv that term was 1.23 of the 1.61 nats at the full range [0, 7.07] (k = 14) and -0.04 at
  // [0, 0.92] (k ~ 2), so the search picked [0, 0.92]; with the pool after it the pair got [0, 1.45], and that
  // clip alone cost 2.3 pp of accuracy (bench/kl_ablation.cc).
  // So the zero bin takes its neighbour's count, as NVIDIA's pytorch-quantization entropy calibrator does
  // (`bins[0] = bins[1]` on its histogram of |x|); common ports of the method (`threshold_distribution`) drop it.
  if (how.zero_bin == KlSearch::ZeroBin::Neighbour) {
    const int z = Histogram::kBins / 2;  // bin [0, w): exact zeros land here
    const double left = raw[z - 1], right = raw[z + 1];
    raw[z] = h.min() >= 0 ? right : h.max() <= 0 ? left : 0.5 * (left + right);
  }
  auto bin_of = [&](double x) {
    return std::clamp(static_cast<int>(std::floor((x + h.range()) / h.bin_width())), 0, Histogram::kBins - 1);
  };
  // TensorRT-style: P is the histogram on its own bins inside [lo, hi] with the outliers folded into the edge
  // bins; Q quantizes the in-range histogram *without* the folded outliers into `levels` groups and spreads each
  // group's mass over the bins where P is non-zero. Building Q from P itself (outliers included) would make KL
  // zero at the narrowest candidate, whatever it clips (each level one bin): the search then clipped every
  // tensor to its narrowest candidate (fmnist 83.7%, hello_world SQNR -0.8 dB). P and Q are normalised apart.
  // Candidates narrower than `levels` bins are not considered.
  return search(h, req, [&](double lo, double hi) {
    int a = bin_of(lo), b = bin_of(hi);
    int n = b - a + 1;
    if (n < levels) return std::numeric_limits<double>::infinity();
    std::vector<double> p(static_cast<size_t>(n)), inside(static_cast<size_t>(n));
    for (int i = 0; i < Histogram::kBins; ++i) {
      double c = raw[static_cast<size_t>(i)];
      p[static_cast<size_t>(std::clamp(i, a, b) - a)] += c;
      if (i >= a && i <= b) inside[static_cast<size_t>(i - a)] += c;
    }
    double p_total = 0, q_total = 0;
    for (size_t k = 0; k < p.size(); ++k) { p_total += p[k]; q_total += inside[k]; }
    if (p_total <= 0) return 0.0;
    if (q_total <= 0) return std::numeric_limits<double>::infinity();
    const double eps = 1e-4 / static_cast<double>(n);  // Q's floor where P has mass but the group has none
    double kl = 0;
    for (int g = 0; g < levels; ++g) {
      int s = static_cast<int>(static_cast<int64_t>(g) * n / levels), e = static_cast<int>(static_cast<int64_t>(g + 1) * n / levels);
      double mass = 0;
      int nonempty = 0;
      for (int k = s; k < e; ++k) { mass += inside[static_cast<size_t>(k)]; nonempty += p[static_cast<size_t>(k)] > 0; }
      if (nonempty == 0) continue;
      if (how.reject_empty_q && mass <= 0) return std::numeric_limits<double>::infinity();
      double q = std::max(mass / nonempty / q_total, eps);
      for (int k = s; k < e; ++k) {
        double pk = p[static_cast<size_t>(k)] / p_total;
        if (pk > 0) kl += pk * std::log(pk / q);
      }
    }
    return kl;
  });
}

}  // namespace tinyopt
