// tests/train/gradient_check.h: checks a graph's backward kernels against central finite differences.
//
// The graph (batch 1) is grown to batch 2, the input filled with seeded U(-scale, scale) values, and the scalar
// L = sum_i out_i * r_i (r seeded, fixed) is differentiated: the tape's gradient of every checked element of the
// input and of every parameter must equal (L(x + e) - L(x - e)) / 2e. Elements sitting on a kink (relu at 0, a
// max-pool tie) are recognised by their one-sided differences disagreeing, and skipped (a weight feeds many RELUs, so a
// few percent of elements do; at most a sixth may be).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "train/batching.h"
#include "ir/rng.h"
#include "train/tape.h"

namespace tinyopt::test {

struct GradCheckOptions {
  float input_scale = 1.f;
  uint64_t seed = 7;
  int max_elements = 48;  // checked per tensor (spread over the tensor)
  double eps = 1e-3;
};

inline double weighted_sum(const Tape& tape, TensorId out, const std::vector<float>& r) {
  auto v = tape.values(out);
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += double{v[i]} * r[i];
  return s;
}

inline void check_gradients(const Graph& g1, GradCheckOptions o = {}) {
  auto gb = with_batch_size(g1, 2);
  REQUIRE_MESSAGE(gb.has_value(), (gb ? "" : gb.error().to_string()));
  auto prog = TapeProgram::create(std::move(*gb), {.backward = true, .frozen = {}, .input_grads = true});
  REQUIRE_MESSAGE(prog.has_value(), (prog ? "" : prog.error().to_string()));
  TapeProgram& p = **prog;
  const Graph& g = p.graph();
  Tape tape(p);
  Rng rng(o.seed);
  for (float& x : tape.input(0)) x = rng.uniform(-o.input_scale, o.input_scale);
  const TensorId out = g.outputs[0];
  std::vector<float> r(static_cast<size_t>(g.tensor(out).num_elements()));
  for (float& x : r) x = rng.uniform(-1.f, 1.f);

  tape.forward();
  const double l0 = weighted_sum(tape, out, r);
  tape.zero_grad();
  std::copy(r.begin(), r.end(), tape.grad(out).begin());
  tape.backward(static_cast<int>(g.ops.size()));

  // Tensors to check: the input, then every parameter (gradients copied: the tape's buffers are reused).
  std::vector<std::pair<std::string, std::span<float>>> targets;
  targets.emplace_back("input", tape.input(0));
  for (TensorId id : p.parameters()) targets.emplace_back(g.tensor(id).name, p.parameter_values(id));
  std::vector<std::vector<float>> analytic;
  analytic.emplace_back(tape.grad(g.inputs[0]).begin(), tape.grad(g.inputs[0]).end());
  for (TensorId id : p.parameters()) analytic.emplace_back(tape.grad(id).begin(), tape.grad(id).end());

  int skipped = 0, checked = 0;
  for (size_t t = 0; t < targets.size(); ++t) {
    auto values = targets[t].second;
    const size_t n = values.size();
    const size_t step = std::max<size_t>(1, n / static_cast<size_t>(o.max_elements));
    for (size_t i = 0; i < n; i += step) {
      const float saved = values[i];
      auto loss_at = [&](double delta) {
        values[i] = static_cast<float>(saved + delta);
        tape.forward();
        return weighted_sum(tape, out, r);
      };
      const double lp = loss_at(o.eps), lm = loss_at(-o.eps);
      values[i] = saved;
      const double fwd = (lp - l0) / o.eps, bwd = (l0 - lm) / o.eps;
      const double tol = 5e-3 + 1e-2 * std::fabs(fwd);
      if (std::fabs(fwd - bwd) > tol) {  // a kink between x - e and x + e: one-sided slopes differ
        ++skipped;
        continue;
      }
      const double fd = (lp - lm) / (2 * o.eps);
      const double an = analytic[t][i];
      ++checked;
      CHECK_MESSAGE(std::fabs(fd - an) <= 5e-3 + 1e-2 * std::fabs(fd),
                    targets[t].first << "[" << i << "]: finite difference " << fd << ", backward " << an);
    }
  }
  tape.forward();  // leave the tape consistent
  CHECK(checked > 0);
  CHECK_MESSAGE(skipped <= std::max(3, checked / 6), "too many kinks skipped: " << skipped << " of " << checked);
}

}  // namespace tinyopt::test
