// runtime/metrics.h: what an evaluation is judged by: top-1 / top-k accuracy against labels, top-1 agreement and
// error figures (SQNR, MSE, max abs error) between a reference and a candidate per output, and the same error
// figures per tensor for two graphs that share tensor names (a float model and its quantized twin).
//
// Definitions, over every element of every sample:
//   SQNR  = 10 log10(sum ref^2 / sum (ref - cand)^2) dB; +inf when the two are equal, -inf when ref is all zero
//           and cand is not.
//   MSE   = sum (ref - cand)^2 / elements;  max abs error = max |ref - cand|.
// Quantized values are dequantized first (runtime/evaluate.h's dequantize). Sums are taken per sample and then
// added in sample order, so every figure is the same for any thread count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/evaluate.h"

namespace tinyopt {

// Index of the largest value (the predicted class of a row of outputs); the first one on ties.
int32_t argmax(std::span<const float> v);
// Whether `label` is among the k largest values (ties broken towards the lower index, as argmax does).
bool in_top_k(std::span<const float> v, int32_t label, int k);

// The fraction of samples whose output `output` has its label among the k largest values (k = 1: accuracy).
// Errors: the dataset has no labels, or a different sample count.
Expected<double> top_k_accuracy(const Evaluation& ev, const Dataset& labels, int k = 1, size_t output = 0);
// The fraction of samples whose argmax is the same in both evaluations (classifiers: float vs quantized).
Expected<double> top1_agreement(const Evaluation& reference, const Evaluation& candidate, size_t output = 0);

// Error figures of `candidate` against `reference`.
struct ErrorStats {
  double signal = 0;         // sum ref^2
  double noise = 0;          // sum (ref - cand)^2
  double max_abs_error = 0;
  int64_t elements = 0;

  void add(std::span<const float> reference, std::span<const float> candidate);
  void merge(const ErrorStats& other);
  double sqnr_db() const;
  double mse() const;
};

// Per model output: the error of `candidate` against `reference` (same sample count and output sizes).
Expected<std::vector<ErrorStats>> compare_outputs(const Evaluation& reference, const Evaluation& candidate);

// One tensor present in both graphs under the same name.
struct TensorComparison {
  std::string tensor;
  int op = -1;  // index, in the candidate, of the op that produces it (-1 for a graph input)
  ErrorStats error;
};

// Runs both graphs on every sample of `data` and compares every activation (graph inputs and op outputs) whose
// name exists in both with the same element count, dequantizing quantized ones: the per-layer view of where a
// quantized model departs from its float reference. Rows follow the candidate's tensor order.
Expected<std::vector<TensorComparison>> compare_tensors(const Graph& reference, const Graph& candidate,
                                                        const Dataset& data, unsigned threads = 0);

// A reference tensor and the candidate tensor that stands for it (same element count), for pairs the caller
// chose (verify/per_layer.h pairs by name, then by op position).
struct TensorPair {
  TensorId reference = kNoTensor, candidate = kNoTensor;
};
// The same comparison over given pairs; rows follow `pairs` (each candidate tensor at most once).
Expected<std::vector<TensorComparison>> compare_tensor_pairs(const Graph& reference, const Graph& candidate,
                                                             const Dataset& data, const std::vector<TensorPair>& pairs,
                                                             unsigned threads = 0);

}  // namespace tinyopt
