// runtime/kernels/svdf_backward.cc: gradients of float SVDF with respect to its input (#0), feature weights (#1),
// time weights (#2) and bias (#3).
//
// The forward (runtime/kernels/svdf_float.cc) leaves the activation state holding exactly the memory this invocation
// used: the previous columns shifted left, the new feature column (feature_f = wf_f . x) last. So, with
// z_u = b_u + sum_{r < rank} sum_j wt_f[j] s_f[j] (f = u * rank + r) and y = act(z):
//   dz = dy act'(y); db_u += dz_u; dwt_f[j] += dz_u s_f[j];
//   only the newest column depends on this invocation's input: dfeature_f = dz_u wt_f[memory - 1],
//   dwf_f += dfeature_f x, dx += dfeature_f wf_f.
// Older columns came from earlier invocations (the tape starts every forward from zero state, train/tape.h, so they
// are zero there): no gradient flows into them. The state tensor itself gets none (it is not a parameter).
#include "runtime/backward_kernel.h"
#include "runtime/kernels/svdf_operands.h"

namespace tinyopt {
namespace {

class SvdfBackward final : public BackwardKernel {
 public:
  SvdfSizes p;
  Activation act = Activation::None;

  size_t scratch_floats() const override { return static_cast<size_t>(p.batches) * static_cast<size_t>(p.units); }

  void eval(const BackwardBuffers& io) const override {
    const size_t n = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], n}, {io.output_grads[0], n}, {dz, n});
    const float* x = io.inputs[0];
    const float* wf = io.inputs[1];
    const float* wt = io.inputs[2];
    const float* state = io.inputs[4];
    float* dx = grad_or_null(io, 0);
    float* dwf = grad_or_null(io, 1);
    float* dwt = grad_or_null(io, 2);
    float* db = grad_or_null(io, 3);
    const int M = p.memory, I = p.input_size;
    for (int b = 0; b < p.batches; ++b) {
      const float* s = state + int64_t{b} * p.filters * M;
      const float* xb = x + int64_t{b} * I;
      for (int u = 0; u < p.units; ++u) {
        const float g = dz[int64_t{b} * p.units + u];
        if (db) db[u] += g;
        for (int r = 0; r < p.rank; ++r) {
          const int64_t f = int64_t{u} * p.rank + r;
          if (dwt)
            for (int j = 0; j < M; ++j) dwt[f * M + j] += g * s[f * M + j];
          const float dfeature = g * wt[f * M + M - 1];
          if (dwf) for (int c = 0; c < I; ++c) dwf[f * I + c] += dfeature * xb[c];
          if (dx) for (int c = 0; c < I; ++c) dx[int64_t{b} * I + c] += dfeature * wf[f * I + c];
        }
      }
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_svdf_backward(const Graph& g, int op_index) {
  auto t = svdf_operands(g, op_index);
  if (!t) return t.take_error();
  if (auto r = check_fused_activation_grad(g, op_index, t->activation); !r) return r.take_error();
  auto k = std::make_unique<SvdfBackward>();
  k->p = t->sizes;
  k->act = t->activation;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
