// runtime/kernels/fully_connected_float.cc: float FULLY_CONNECTED, out[b, u] = act(sum_d in[b, d] * w[u, d] + bias[u])
// as one GEMM over every batch row (runtime/gemm_float.h). The input is flattened to [elements / depth, depth]
// as TFLite does; keep_num_dims only changes the output shape, not the arithmetic.
#include "runtime/gemm_float.h"
#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/float_weights.h"

namespace tinyopt {
namespace {

class FullyConnectedFloat final : public Kernel {
 public:
  int64_t batches = 0, depth = 0, units = 0;
  FloatClamp clamp{};
  FloatWeights weights;

  void eval(const OpBuffers& io) const override {
    const auto* bias = io.inputs.size() > 2 ? reinterpret_cast<const float*>(io.inputs[2]) : nullptr;
    gemm_bias_act_float(reinterpret_cast<const float*>(io.inputs[0]), weights.get(io.inputs[1]), bias, batches, depth,
                        units, clamp, reinterpret_cast<float*>(io.outputs[0]));
  }
};

}  // namespace

KernelResult make_fully_connected_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const FullyConnectedOptions o = std::holds_alternative<FullyConnectedOptions>(op.options)
                                      ? op.opts<FullyConnectedOptions>() : FullyConnectedOptions{};
  const Shape& w = g.tensor(op.inputs[1]).shape;
  auto k = std::make_unique<FullyConnectedFloat>();
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  auto weights = prepare_float_weights(g, op_index, 1);
  if (!weights) return weights.take_error();
  k->clamp = *clamp;
  k->weights = std::move(*weights);
  k->units = w[0];
  k->depth = w[1];
  k->batches = k->depth > 0 ? g.tensor(op.inputs[0]).num_elements() / k->depth : 0;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
