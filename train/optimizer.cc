// train/optimizer.cc: SGD / Adam / AdamW steps with clipping and masks.
#include "train/optimizer.h"

#include <cmath>

namespace tinyopt {

double Optimizer::step(std::span<ParamSlot> params, double lr) {
  if (m_.size() != params.size()) {
    m_.assign(params.size(), {});
    v_.assign(params.size(), {});
    for (size_t i = 0; i < params.size(); ++i) {
      m_[i].assign(params[i].value.size(), 0.f);
      if (config_.kind != OptimizerConfig::Kind::Sgd) v_[i].assign(params[i].value.size(), 0.f);
    }
  }
  ++t_;
  double sq = 0;
  for (ParamSlot& p : params) {
    if (!p.mask.empty())
      for (size_t j = 0; j < p.grad.size(); ++j)
        if (!p.mask[j]) p.grad[j] = 0.f;
    for (float g : p.grad) sq += double{g} * g;
  }
  const double norm = std::sqrt(sq);
  const float clip = (config_.clip_norm > 0 && norm > config_.clip_norm) ? static_cast<float>(config_.clip_norm / norm) : 1.f;

  const float flr = static_cast<float>(lr);
  const auto b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
  const auto eps = static_cast<float>(config_.epsilon), mom = static_cast<float>(config_.momentum);
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(config_.beta1, static_cast<double>(t_))));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(config_.beta2, static_cast<double>(t_))));
  for (size_t i = 0; i < params.size(); ++i) {
    ParamSlot& p = params[i];
    const float wd = p.decay ? static_cast<float>(config_.weight_decay) : 0.f;
    float* w = p.value.data();
    float* g = p.grad.data();
    float* m = m_[i].data();
    const size_t n = p.value.size();
    switch (config_.kind) {
      case OptimizerConfig::Kind::Sgd:
        for (size_t j = 0; j < n; ++j) {
          const float gj = g[j] * clip + wd * w[j];
          m[j] = mom * m[j] + gj;
          w[j] -= flr * (config_.nesterov ? gj + mom * m[j] : m[j]);
        }
        break;
      case OptimizerConfig::Kind::Adam:
      case OptimizerConfig::Kind::AdamW: {
        const bool decoupled = config_.kind == OptimizerConfig::Kind::AdamW;
        float* v = v_[i].data();
        for (size_t j = 0; j < n; ++j) {
          const float gj = g[j] * clip + (decoupled ? 0.f : wd * w[j]);
          m[j] = b1 * m[j] + (1.f - b1) * gj;
          v[j] = b2 * v[j] + (1.f - b2) * gj * gj;
          if (decoupled) w[j] -= flr * wd * w[j];
          w[j] -= flr * (m[j] * c1) / (std::sqrt(v[j] * c2) + eps);
        }
        break;
      }
    }
    if (!p.mask.empty())
      for (size_t j = 0; j < n; ++j)
        if (!p.mask[j]) w[j] = 0.f;
  }
  return norm;
}

}  // namespace tinyopt
