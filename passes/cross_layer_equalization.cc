// passes/cross_layer_equalization.cc: `cross-layer-equalization` (Nagel et al. 2019, "Data-Free Quantization
// Through Weight Equalization and Bias Correction"): in a pair producer -> consumer where the producer is a
// CONV_2D or DEPTHWISE_CONV_2D and the consumer a CONV_2D or DEPTHWISE_CONV_2D (depth multiplier 1) reading only
// the producer's output, output channel c of the producer is divided by s_c and input channel c of the consumer
// multiplied by s_c, with s_c = sqrt(r1_c / r2_c) (r1, r2: max |w| of the producer's output channel and of the
// consumer's input channel). Both channels then have range sqrt(r1 r2), which helps per-tensor quantization
// most and depthwise layers (whose channels vary wildly) in particular.
//
// Exact only when the activation in between is positive-homogeneous: NONE or RELU (relu(x/s) = relu(x)/s for
// s > 0). RELU6 clips at a fixed 6 and is left alone. Repeated `iterations` times over the whole graph.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

struct CrossLayerEqualizationOptions {
  int iterations = 4;  // sweeps over the graph
};

class CrossLayerEqualizationPass : public Pass {
 public:
  explicit CrossLayerEqualizationPass(int iterations) : iterations_(iterations) {}

  Expected<PassResult> run(Graph& g, PassContext&) override {
    int pairs = 0;
    for (int it = 0; it < iterations_; ++it) {
      for (size_t i = 0; i < g.ops.size(); ++i) {
        const Op& p = g.ops[i];
        if (p.kind != OpKind::Conv2D && p.kind != OpKind::DepthwiseConv2D) continue;
        const Activation* a = fused_activation(p);
        if (!a || (*a != Activation::None && *a != Activation::Relu)) continue;
        if (!g.tensor(p.inputs[1]).is_constant || g.tensor(p.inputs[1]).dtype != DType::Float32) continue;
        std::optional<int> c = single_consumer(g, p.outputs[0]);
        if (!c) continue;
        const Op& q = g.ops[static_cast<size_t>(*c)];
        if (q.kind != OpKind::Conv2D && q.kind != OpKind::DepthwiseConv2D) continue;
        if (q.kind == OpKind::DepthwiseConv2D && q.opts<DepthwiseConv2DOptions>().depth_multiplier != 1) continue;
        if (q.inputs[0] != p.outputs[0] || !g.tensor(q.inputs[1]).is_constant ||
            g.tensor(q.inputs[1]).dtype != DType::Float32)
          continue;
        if (equalize(g, static_cast<int>(i), *c)) ++pairs;
      }
    }
    PassResult r;
    r.changed = pairs > 0;
    r.summary = fmt::format("equalized {} conv pairs ({} iterations)", pairs, iterations_);
    r.counters = {{"pairs", pairs}};
    return r;
  }

 private:
  static bool equalize(Graph& g, int pi, int qi) {
    int paxis = weight_channel_axis(g.ops[static_cast<size_t>(pi)].kind);
    TensorId pw = own_constant_input(g, pi, 1);
    TensorId qw = own_constant_input(g, qi, 1);
    const Tensor& wp = g.tensor(pw);
    const Tensor& wq = g.tensor(qw);
    int32_t channels = wp.shape[static_cast<size_t>(paxis)];
    // Consumer input channel is the last axis for both CONV_2D [O,H,W,I] and DEPTHWISE [1,H,W,C].
    if (wq.shape.back() != channels) return false;
    std::vector<float> r1(static_cast<size_t>(channels), 0.0f), r2(static_cast<size_t>(channels), 0.0f);
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(paxis) + 1; d < wp.shape.size(); ++d) inner *= wp.shape[d];
    auto vp = wp.values<float>();
    for (size_t k = 0; k < vp.size(); ++k) {
      size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
      r1[c] = std::max(r1[c], std::fabs(vp[k]));
    }
    auto vq = wq.values<float>();
    for (size_t k = 0; k < vq.size(); ++k) {
      size_t c = k % static_cast<size_t>(channels);
      r2[c] = std::max(r2[c], std::fabs(vq[k]));
    }
    std::vector<float> inv(static_cast<size_t>(channels)), s(static_cast<size_t>(channels));
    bool any = false;
    for (size_t c = 0; c < s.size(); ++c) {
      s[c] = (r1[c] > 0 && r2[c] > 0) ? std::sqrt(r1[c] / r2[c]) : 1.0f;
      s[c] = std::clamp(s[c], 1e-4f, 1e4f);
      inv[c] = 1.0f / s[c];
      if (std::fabs(s[c] - 1.0f) > 1e-3f) any = true;
    }
    if (!any) return false;
    scale_output_channels(g.tensor(pw), paxis, inv);
    Op& p = g.ops[static_cast<size_t>(pi)];
    if (p.inputs.size() > 2 && p.inputs[2] != kNoTensor) {
      TensorId b = own_constant_input(g, pi, 2);
      auto bv = g.tensor(b).mutable_values<float>();
      for (size_t c = 0; c < bv.size(); ++c) bv[c] *= inv[c];
    }
    auto wq_mut = g.tensor(qw).mutable_values<float>();
    for (size_t k = 0; k < wq_mut.size(); ++k) wq_mut[k] *= s[k % static_cast<size_t>(channels)];
    return true;
  }

  int iterations_;
};

}  // namespace

PassInfo cross_layer_equalization_pass_info() {
  return pass_info<CrossLayerEqualizationOptions>(
      "cross-layer-equalization",
      "Rescale channels of consecutive conv/depthwise pairs so their weight ranges match (helps int8 weights).",
      {option("iterations", &CrossLayerEqualizationOptions::iterations, "sweeps over the graph", OptionRange{1, 100})},
      [](CrossLayerEqualizationOptions o) { return std::make_unique<CrossLayerEqualizationPass>(o.iterations); });
}

}  // namespace tinyopt
