// bench/bench_support.h: what the benchmark programs share: exit on a library error, Fashion-MNIST top-1 accuracy,
// inputs drawn on an int8 twin's input grid.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "runtime/evaluate.h"
#include "runtime/metrics.h"

namespace tinyopt::bench {

inline const char* kFashionMnist = "/usr/share/datasets/fashion-mnist/";

[[noreturn]] inline void die(const Error& e) {
  std::fprintf(stderr, "%s\n", e.to_string().c_str());
  std::exit(3);
}

// Top-1 accuracy (percent) of `g` (float or int8 input: float images are quantized as `tinyopt run` does).
inline double accuracy(const Graph& g, const Dataset& test) {
  Expected<Evaluation> ev = evaluate_model(g, test);
  if (!ev) die(ev.error());
  Expected<double> acc = top_k_accuracy(*ev, test, 1);
  if (!acc) die(acc.error());
  return 100.0 * *acc;
}

// `n` samples drawn as ../shared/golden/README.md draws the float goldens: uniform int8 values in [-128, 127]
// dequantized with the int8 twin's input scale and zero point (std::mt19937 with `seed`, not numpy's stream).
inline Dataset uniform_on_input_grid(const Graph& twin, size_t n, unsigned seed) {
  const Tensor& in = twin.tensor(twin.inputs[0]);
  const float scale = in.quant->scale[0];
  const int64_t zp = in.quant->zero_point[0];
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-128, 127);
  std::vector<float> x(n * static_cast<size_t>(num_elements(in.shape)));
  for (float& v : x) v = scale * static_cast<float>(q(rng) - zp);
  return Dataset::from_floats(in.shape, std::move(x), {}, "uniform int8 on the twin's input grid");
}

}  // namespace tinyopt::bench
