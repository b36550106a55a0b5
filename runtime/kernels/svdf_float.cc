// runtime/kernels/svdf_float.cc: float SVDF as TFLM's EvalFloatSvdfReference: shift the state left by one element,
// feature matmul into each filter's newest memory column, time-weight dot products, bias plus the sum over each
// unit's `rank` filters, then the fused activation. The state (input #4, a variable tensor) is written in place;
// while calibrating, the updated state goes to the state observer (runtime/state_observer.h).
#include <algorithm>

#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/svdf_operands.h"
#include "runtime/quantized_prepare.h"
#include "runtime/state_observer.h"

namespace tinyopt {
namespace {

class SvdfFloat final : public Kernel {
 public:
  SvdfSizes p;
  FloatClamp clamp{};
  TensorId state_id = kNoTensor;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    const auto* wf = reinterpret_cast<const float*>(io.inputs[1]);
    const auto* wt = reinterpret_cast<const float*>(io.inputs[2]);
    const auto* bias = io.inputs[3] ? reinterpret_cast<const float*>(io.inputs[3]) : nullptr;
    auto* state = reinterpret_cast<float*>(const_cast<uint8_t*>(io.inputs[4]));  // variable tensor, in place
    auto* out = reinterpret_cast<float*>(io.outputs[0]);
    auto* scratch = reinterpret_cast<float*>(io.scratch.data());
    const int64_t state_size = int64_t{p.batches} * p.filters * p.memory;
    std::copy(state + 1, state + state_size, state);
    for (int b = 0; b < p.batches; ++b) {
      float* s = state + int64_t{b} * p.filters * p.memory;
      for (int f = 0; f < p.filters; ++f) {
        float dot = 0.0f;
        for (int c = 0; c < p.input_size; ++c) dot += wf[int64_t{f} * p.input_size + c] * x[int64_t{b} * p.input_size + c];
        s[int64_t{f} * p.memory + p.memory - 1] = dot;
      }
      for (int f = 0; f < p.filters; ++f) {
        float dot = 0.0f;
        for (int j = 0; j < p.memory; ++j) dot += wt[int64_t{f} * p.memory + j] * s[int64_t{f} * p.memory + j];
        scratch[f] = dot;
      }
      for (int u = 0; u < p.units; ++u) {
        float acc = bias ? bias[u] : 0.0f;
        for (int r = 0; r < p.rank; ++r) acc += scratch[u * p.rank + r];
        out[int64_t{b} * p.units + u] = apply_clamp(acc, clamp);
      }
    }
    if (const StateObserver* o = thread_state_observer())
      (*o)(state_id, std::span<const float>(state, static_cast<size_t>(state_size)));
  }
  size_t scratch_bytes() const override { return static_cast<size_t>(p.filters) * sizeof(float); }
};

}  // namespace

KernelResult make_svdf_float(const Graph& g, int op_index) {
  auto t = svdf_operands(g, op_index);
  if (!t) return t.take_error();
  for (const Tensor* x : {t->weights_feature, t->weights_time, t->bias, t->state, t->output})
    if (x && x->dtype != DType::Float32)
      return unsupported_dtypes(g, op_index, "float SVDF needs float32 weights, bias, state and output (hybrid SVDF "
                                             "is not supported); got");
  auto clamp = fused_clamp(g, op_index, t->activation);
  if (!clamp) return clamp.take_error();
  auto k = std::make_unique<SvdfFloat>();
  k->p = t->sizes;
  k->clamp = *clamp;
  k->state_id = g.ops[static_cast<size_t>(op_index)].inputs[4];
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
