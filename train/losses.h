// train/losses.h: training losses and their gradients, for one worker's slice of a batch.
//
// Each function takes `rows` samples of `classes` values, returns the SUM of the per-sample losses over the rows
// with a nonzero weight (the trainer divides by the batch size) and ADDS scale * dL/d(input) into `grad`.
// `weight[r]` (0 or 1) masks rows that only pad a short final batch; pass an empty span for all ones. Sums run in
// double, in row order, so results do not depend on threading.
//
// Models end in SOFTMAX (probabilities, the TFLite convention). For cross-entropy and KL divergence the trainer
// then hands over the softmax's input (logits) and beta: log-softmax through log-sum-exp is exact where
// log(probability) would underflow, and the gradient is simply beta * (p - target). Without a softmax head the
// `_probs` variants work on probabilities directly (clamped away from 0).
#pragma once

#include <cstdint>
#include <span>

#include "runtime/metrics.h"  // argmax: the predicted class of a row of outputs

namespace tinyopt {

// Cross-entropy of softmax(beta * logits) against integer labels: -log p[label].
double softmax_cross_entropy(std::span<const float> logits, float beta, std::span<const int32_t> labels, int classes,
                             std::span<const float> weight, float scale, std::span<float> grad_logits);
// Cross-entropy on probabilities: -log max(p[label], 1e-12).
double cross_entropy_probs(std::span<const float> probs, std::span<const int32_t> labels, int classes,
                           std::span<const float> weight, float scale, std::span<float> grad_probs);
// Mean squared error per sample: sum_j (y_j - t_j)^2 / classes.
double mean_squared_error(std::span<const float> output, std::span<const float> target, int classes,
                          std::span<const float> weight, float scale, std::span<float> grad_output);
// Distillation (Hinton et al. 2015): T^2 * KL(softmax(z_t / T) || softmax(beta * z_s / T)), where the teacher is
// given as probabilities p_t (softmax(z_t / T) is then p_t^(1/T) renormalised). The T^2 factor keeps gradient
// magnitudes comparable across temperatures. dL/dz_s = T * beta * (q - p_t,T).
double softmax_kl_divergence(std::span<const float> student_logits, float beta, std::span<const float> teacher_probs,
                             float temperature, int classes, std::span<const float> weight, float scale,
                             std::span<float> grad_logits);

}  // namespace tinyopt
