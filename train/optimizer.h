// train/optimizer.h: parameter updates: SGD with (Nesterov) momentum, Adam and AdamW; weight decay; gradient
// clipping by global norm; and masks that hold pruned weights at exactly zero.
//
// One step, for every parameter tensor in order:
//   1. g *= mask (pruned weights get no gradient)
//   2. clip: if clip_norm > 0 and ||g||_2 over ALL parameters > clip_norm, g *= clip_norm / ||g||
//   3. update:
//      SGD:   g += wd * w;  v = momentum * v + g;  w -= lr * (nesterov ? g + momentum * v : v)
//      Adam:  g += wd * w (L2);  m = b1 m + (1-b1) g;  s = b2 s + (1-b2) g^2;  w -= lr * m^ / (sqrt(s^) + eps)
//      AdamW: as Adam without the L2 term, then w -= lr * wd * w (decoupled, Loshchilov & Hutter 2019)
//      where m^ = m / (1 - b1^t), s^ = s / (1 - b2^t).
//   4. w *= mask (momentum cannot revive a pruned weight)
// Weight decay applies to tensors marked `decay` (by default weights, not biases). All arithmetic is per element
// in a fixed order, so a step is deterministic.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tinyopt {

struct OptimizerConfig {
  enum class Kind { Sgd, Adam, AdamW } kind = Kind::AdamW;
  double momentum = 0.9;      // SGD
  bool nesterov = false;      // SGD
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // Adam(W)
  double weight_decay = 0;
  double clip_norm = 0;       // 0: no clipping
};

// One parameter tensor as the optimiser sees it.
struct ParamSlot {
  std::span<float> value;
  std::span<float> grad;            // modified in place (mask, clipping, L2 term)
  std::span<const uint8_t> mask;    // empty: dense; else 1 = trainable, 0 = held at zero
  bool decay = true;                // weight decay applies
};

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config) : config_(config) {}

  // Applies one update with learning rate `lr`; the slots must be the same tensors in the same order at every
  // step. Returns the global gradient norm before clipping.
  double step(std::span<ParamSlot> params, double lr);
  int64_t steps_taken() const { return t_; }
  const OptimizerConfig& config() const { return config_; }

 private:
  OptimizerConfig config_;
  int64_t t_ = 0;
  std::vector<std::vector<float>> m_, v_;  // first/second moments (SGD: velocity in m_)
};

}  // namespace tinyopt
