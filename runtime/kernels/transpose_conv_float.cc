// runtime/kernels/transpose_conv_float.cc: float TRANSPOSE_CONV as TFLite's reference_ops::TransposeConv computes
// it: zero the output, scatter every input element through the filter (runtime/kernels/transpose_conv_geometry.h),
// add the bias, then the fused activation. Int8 "hybrid" weights are dequantized at prepare.
#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/float_weights.h"
#include "runtime/kernels/transpose_conv_geometry.h"

#include <algorithm>

namespace tinyopt {
namespace {

class TransposeConvFloat final : public Kernel {
 public:
  TransposeConvGeometry p;
  FloatClamp clamp{};
  FloatWeights weights;

  void eval(const OpBuffers& io) const override {
    const auto* in = reinterpret_cast<const float*>(io.inputs[2]);
    const float* w = weights.get(io.inputs[1]);
    const auto* bias = io.inputs.size() > 3 ? reinterpret_cast<const float*>(io.inputs[3]) : nullptr;
    auto* out = reinterpret_cast<float*>(io.outputs[0]);
    std::fill(out, out + p.out_elements(), 0.0f);
    scatter_transpose_conv(p, [&](int64_t i, int64_t f, int64_t o) { out[o] += in[i] * w[f]; });
    for (int64_t i = 0; i < p.out_elements(); ++i)
      out[i] = apply_clamp(out[i] + (bias ? bias[i % p.out_c] : 0.0f), clamp);
  }
};

}  // namespace

KernelResult make_transpose_conv_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  auto geometry = prepare_transpose_conv_geometry(g, op_index);
  if (!geometry) return geometry.take_error();
  const TransposeConvOptions o = std::holds_alternative<TransposeConvOptions>(op.options)
                                     ? op.opts<TransposeConvOptions>() : TransposeConvOptions{};
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  auto weights = prepare_float_weights(g, op_index, 1);
  if (!weights) return weights.take_error();
  if (op.input(3) != kNoTensor && g.tensor(op.inputs[3]).dtype != DType::Float32)
    return fail(Errc::Unsupported, g.where(op_index), "float TRANSPOSE_CONV needs a float32 bias");
  auto k = std::make_unique<TransposeConvFloat>();
  k->p = *geometry;
  k->clamp = *clamp;
  k->weights = std::move(*weights);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
