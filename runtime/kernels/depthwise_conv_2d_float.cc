// runtime/kernels/depthwise_conv_2d_float.cc: float DEPTHWISE_CONV_2D, NHWC input, [1, KH, KW, C * M] filter.
//
// Output channel oc = c * M + m reads input channel c (M = depth multiplier = filter channels / input channels,
// as TFLite derives it). For each output pixel the accumulator row starts at the bias and every in-bounds filter
// tap adds input[c] * w[oc] over the channels: a contiguous, vectorisable loop when M = 1. The loops are compiled
// for baseline x86-64 and for AVX2 (TINYOPT_TARGET_AVX2, no FMA) and eval picks one by the active ISA; both
// vectorize across channels only, so each output gets the same sum in the same order on every ISA.
#include <algorithm>

#include "ir/shape_inference.h"
#include "runtime/cpu_features.h"
#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/float_weights.h"

namespace tinyopt {
namespace {

class DepthwiseConv2DFloat final : public Kernel {
 public:
  int batches = 0, in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0, multiplier = 1;
  int k_h = 0, k_w = 0, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
  FloatClamp clamp{};
  FloatWeights weights;

  void eval(const OpBuffers& io) const override;

  // Depth multiplier 1, channels a multiple of kChannelBlock: the same sum per output (bias, then the in-bounds
  // taps in (ky, kx) order, then the clamp) with the accumulators of kChannelBlock channels kept in registers
  // over all taps instead of being reloaded from the output row at every tap.
  static constexpr int kChannelBlock = 16;
  [[gnu::always_inline]] inline void pixel_in_registers(const float* image, const float* w, const float* bias, int oy,
                                                        int ox, float* __restrict out) const {
    const bool do_clamp =
        clamp.lo > -std::numeric_limits<float>::infinity() || clamp.hi < std::numeric_limits<float>::infinity();
    for (int c0 = 0; c0 < out_c; c0 += kChannelBlock) {
      float acc[kChannelBlock];
      for (int c = 0; c < kChannelBlock; ++c) acc[c] = bias ? bias[c0 + c] : 0.0f;
      for (int ky = 0; ky < k_h; ++ky) {
        const int iy = oy * stride_h - pad_top + ky * dil_h;
        if (iy < 0 || iy >= in_h) continue;
        for (int kx = 0; kx < k_w; ++kx) {
          const int ix = ox * stride_w - pad_left + kx * dil_w;
          if (ix < 0 || ix >= in_w) continue;
          const float* in = image + (int64_t{iy} * in_w + ix) * in_c + c0;
          const float* tap = w + (int64_t{ky} * k_w + kx) * out_c + c0;
          for (int c = 0; c < kChannelBlock; ++c) acc[c] += in[c] * tap[c];
        }
      }
      if (do_clamp)
        for (int c = 0; c < kChannelBlock; ++c) acc[c] = apply_clamp(acc[c], clamp);
      for (int c = 0; c < kChannelBlock; ++c) out[c0 + c] = acc[c];
    }
  }
  // The loop nest, inlined into a baseline and an AVX2 copy below.
  [[gnu::always_inline]] inline void eval_body(const OpBuffers& io) const {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    const float* w = weights.get(io.inputs[1]);
    const auto* bias = io.inputs.size() > 2 ? reinterpret_cast<const float*>(io.inputs[2]) : nullptr;
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    for (int b = 0; b < batches; ++b) {
      const float* image = x + int64_t{b} * in_h * in_w * in_c;
      for (int oy = 0; oy < out_h; ++oy)
        for (int ox = 0; ox < out_w; ++ox) {
          float* __restrict acc = y + ((int64_t{b} * out_h + oy) * out_w + ox) * out_c;
          if (multiplier == 1 && out_c % kChannelBlock == 0) {
            pixel_in_registers(image, w, bias, oy, ox, acc);
            continue;
          }
          if (bias) std::copy(bias, bias + out_c, acc);
          else std::fill(acc, acc + out_c, 0.0f);
          for (int ky = 0; ky < k_h; ++ky) {
            const int iy = oy * stride_h - pad_top + ky * dil_h;
            if (iy < 0 || iy >= in_h) continue;
            for (int kx = 0; kx < k_w; ++kx) {
              const int ix = ox * stride_w - pad_left + kx * dil_w;
              if (ix < 0 || ix >= in_w) continue;
              const float* __restrict in = image + (int64_t{iy} * in_w + ix) * in_c;
              const float* __restrict tap = w + (int64_t{ky} * k_w + kx) * out_c;
              if (multiplier == 1) {
                for (int c = 0; c < out_c; ++c) acc[c] += in[c] * tap[c];
              } else {
                for (int c = 0; c < in_c; ++c)
                  for (int m = 0; m < multiplier; ++m) acc[c * multiplier + m] += in[c] * tap[c * multiplier + m];
              }
            }
          }
          if (clamp.lo > -std::numeric_limits<float>::infinity() || clamp.hi < std::numeric_limits<float>::infinity())
            for (int c = 0; c < out_c; ++c) acc[c] = apply_clamp(acc[c], clamp);
        }
    }
  }
};

TINYOPT_TARGET_AVX2 void depthwise_conv_2d_float_avx2(const DepthwiseConv2DFloat& k, const OpBuffers& io) {
  k.eval_body(io);
}
void depthwise_conv_2d_float_baseline(const DepthwiseConv2DFloat& k, const OpBuffers& io) {
  k.eval_body(io);
}

void DepthwiseConv2DFloat::eval(const OpBuffers& io) const {
  if (active_isa() == Isa::Portable) depthwise_conv_2d_float_baseline(*this, io);
  else depthwise_conv_2d_float_avx2(*this, io);
}

}  // namespace

KernelResult make_depthwise_conv_2d_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const DepthwiseConv2DOptions o = std::holds_alternative<DepthwiseConv2DOptions>(op.options)
                                       ? op.opts<DepthwiseConv2DOptions>() : DepthwiseConv2DOptions{};
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& w = g.tensor(op.inputs[1]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  auto k = std::make_unique<DepthwiseConv2DFloat>();
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  auto weights = prepare_float_weights(g, op_index, 1);
  if (!weights) return weights.take_error();
  k->clamp = *clamp;
  k->weights = std::move(*weights);
  k->batches = x[0], k->in_h = x[1], k->in_w = x[2], k->in_c = x[3];
  k->out_h = y[1], k->out_w = y[2], k->out_c = y[3];
  k->multiplier = x[3] > 0 ? y[3] / x[3] : 1;
  k->k_h = w[1], k->k_w = w[2];
  k->stride_h = o.stride_h, k->stride_w = o.stride_w, k->dil_h = o.dilation_h, k->dil_w = o.dilation_w;
  k->pad_top = window_padding_before(o.padding, x[1], w[1], o.stride_h, o.dilation_h);
  k->pad_left = window_padding_before(o.padding, x[2], w[2], o.stride_w, o.dilation_w);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
