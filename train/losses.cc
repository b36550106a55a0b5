// train/losses.cc: cross-entropy, MSE and temperature-scaled KL divergence with their gradients.
#include "train/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tinyopt {
namespace {

float row_weight(std::span<const float> weight, size_t r) { return weight.empty() ? 1.f : weight[r]; }

// Writes softmax(beta * z / t) of one row into p (max-subtracted, so no overflow); returns log-sum-exp.
double softmax_row(const float* z, int n, double beta_over_t, double* p) {
  double mx = -INFINITY;
  for (int j = 0; j < n; ++j) mx = std::max(mx, beta_over_t * z[j]);
  double sum = 0;
  for (int j = 0; j < n; ++j) sum += (p[j] = std::exp(beta_over_t * z[j] - mx));
  for (int j = 0; j < n; ++j) p[j] /= sum;
  return mx + std::log(sum);
}

}  // namespace

double softmax_cross_entropy(std::span<const float> logits, float beta, std::span<const int32_t> labels, int classes,
                             std::span<const float> weight, float scale, std::span<float> grad_logits) {
  const size_t rows = labels.size();
  std::vector<double> p(static_cast<size_t>(classes));
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float w = row_weight(weight, r);
    if (w == 0.f) continue;
    const float* z = logits.data() + r * static_cast<size_t>(classes);
    const double lse = softmax_row(z, classes, beta, p.data());
    const int32_t y = labels[r];
    total += w * (lse - double{beta} * z[y]);
    float* g = grad_logits.data() + r * static_cast<size_t>(classes);
    for (int j = 0; j < classes; ++j)
      g[j] += static_cast<float>(scale * w * beta * (p[static_cast<size_t>(j)] - (j == y ? 1.0 : 0.0)));
  }
  return total;
}

double cross_entropy_probs(std::span<const float> probs, std::span<const int32_t> labels, int classes,
                           std::span<const float> weight, float scale, std::span<float> grad_probs) {
  double total = 0;
  for (size_t r = 0; r < labels.size(); ++r) {
    const float w = row_weight(weight, r);
    if (w == 0.f) continue;
    const size_t at = r * static_cast<size_t>(classes) + static_cast<size_t>(labels[r]);
    const double p = std::max(double{probs[at]}, 1e-12);
    total += -w * std::log(p);
    grad_probs[at] += static_cast<float>(-scale * w / p);
  }
  return total;
}

double mean_squared_error(std::span<const float> output, std::span<const float> target, int classes,
                          std::span<const float> weight, float scale, std::span<float> grad_output) {
  const size_t rows = output.size() / static_cast<size_t>(classes);
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float w = row_weight(weight, r);
    if (w == 0.f) continue;
    double s = 0;
    for (int j = 0; j < classes; ++j) {
      const size_t i = r * static_cast<size_t>(classes) + static_cast<size_t>(j);
      const double d = double{output[i]} - target[i];
      s += d * d;
      grad_output[i] += static_cast<float>(scale * w * 2.0 * d / classes);
    }
    total += w * s / classes;
  }
  return total;
}

double softmax_kl_divergence(std::span<const float> student_logits, float beta, std::span<const float> teacher_probs,
                             float temperature, int classes, std::span<const float> weight, float scale,
                             std::span<float> grad_logits) {
  const size_t rows = student_logits.size() / static_cast<size_t>(classes);
  const double t = temperature;
  std::vector<double> q(static_cast<size_t>(classes)), pt(static_cast<size_t>(classes));
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float w = row_weight(weight, r);
    if (w == 0.f) continue;
    const size_t o = r * static_cast<size_t>(classes);
    softmax_row(student_logits.data() + o, classes, beta / t, q.data());
    // Teacher at temperature T: p^(1/T) / sum, computed in the log domain.
    double mx = -INFINITY;
    for (int j = 0; j < classes; ++j)
      mx = std::max(mx, pt[static_cast<size_t>(j)] = std::log(std::max(double{teacher_probs[o + static_cast<size_t>(j)]}, 1e-30)) / t);
    double sum = 0;
    for (double& v : pt) sum += (v = std::exp(v - mx));
    double kl = 0;
    for (size_t j = 0; j < pt.size(); ++j) {
      pt[j] /= sum;
      if (pt[j] > 0) kl += pt[j] * (std::log(pt[j]) - std::log(std::max(q[j], 1e-300)));
      grad_logits[o + j] += static_cast<float>(scale * w * t * beta * (q[j] - pt[j]));
    }
    total += w * t * t * kl;
  }
  return total;
}

}  // namespace tinyopt
