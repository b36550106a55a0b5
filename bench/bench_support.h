// bench/bench_support.h: what the benchmark programs share: exit on a library error, Fashion-MNIST top-1 accuracy.
#pragma once

#include <cstdio>
#include <cstdlib>

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

}  // namespace tinyopt::bench
