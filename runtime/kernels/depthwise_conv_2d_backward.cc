// runtime/kernels/depthwise_conv_2d_backward.cc: gradients of float DEPTHWISE_CONV_2D (depth multiplier, strides,
// dilation, SAME/VALID, fused activation) with respect to its input, filter and bias.
//
// Forward (TFLite layout): filter [1, KH, KW, Cin*M], output channel oc = c*M + m reads input channel c:
//   Y[b, oy, ox, oc] = bias[oc] + sum_{ky,kx} X[b, oy*sh - pad_top + ky*dh, ox*sw - pad_left + kx*dw, c] * W[ky, kx, oc]
// Backward walks the same windows: dW[ky,kx,oc] += dZ * X, dX[.., c] += dZ * W. The innermost loop runs over
// contiguous channels so it vectorises; the order of accumulation is fixed. The loops are compiled for baseline
// x86-64 and for AVX2 (TINYOPT_TARGET_AVX2, no FMA), picked by the active ISA, with the same per-element order.
#include "ir/shape_inference.h"
#include "runtime/cpu_features.h"
#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

// 8 floats as one GCC vector (unaligned): one ymm operation in the AVX2 copy, two xmm ones in the baseline copy,
// the same multiply and add per lane either way.
using Float8 = float __attribute__((vector_size(32), aligned(4)));

[[gnu::always_inline]] inline void multiply_add8(const float* g, const float* v, float* acc) {
  *reinterpret_cast<Float8*>(acc) += *reinterpret_cast<const Float8*>(g) * *reinterpret_cast<const Float8*>(v);
}

class DepthwiseConv2DBackward final : public BackwardKernel {
 public:
  int n = 0, h = 0, w = 0, cin = 0, mult = 1, oh = 0, ow = 0, kh = 0, kw = 0;
  int sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0;
  Activation act = Activation::None;

  int cout() const { return cin * mult; }
  size_t scratch_floats() const override { return static_cast<size_t>(int64_t{n} * oh * ow * cout()); }

  void eval(const BackwardBuffers& io) const override;
  // The loop nest, inlined into a baseline and an AVX2 copy below.
  [[gnu::always_inline]] inline void eval_body(const BackwardBuffers& io) const {
    const int co = cout();
    const size_t out_count = scratch_floats();
    float* dz = io.scratch.data();
    fused_activation_grad(act, {io.outputs[0], out_count}, {io.output_grads[0], out_count}, {dz, out_count});
    const float* x = io.inputs[0];
    const float* filter = io.inputs[1];
    float* dx = grad_or_null(io, 0);
    float* dwt = grad_or_null(io, 1);
    float* db = grad_or_null(io, 2);

    for (int b = 0; b < n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int xo = 0; xo < ow; ++xo) {
          const float* g = dz + ((int64_t{b} * oh + y) * ow + xo) * co;
          if (db)
            for (int c = 0; c < co; ++c) db[c] += g[c];
          for (int ky = 0; ky < kh; ++ky) {
            const int iy = y * sh - pad_top + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; ++kx) {
              const int ix = xo * sw - pad_left + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const int64_t in_off = ((int64_t{b} * h + iy) * w + ix) * cin;
              const int64_t f_off = (int64_t{ky} * kw + kx) * co;
              if (mult == 1) {
                if (co % 8 == 0) {  // whole vectors of 8 channels, no alias checks or remainder loops per tap
                  for (int c = 0; c < co; c += 8) {
                    if (dwt) multiply_add8(g + c, x + in_off + c, dwt + f_off + c);
                    if (dx) multiply_add8(g + c, filter + f_off + c, dx + in_off + c);
                  }
                  continue;
                }
                if (dwt) {
                  float* dwp = dwt + f_off;
                  const float* xp = x + in_off;
                  for (int c = 0; c < co; ++c) dwp[c] += g[c] * xp[c];
                }
                if (dx) {
                  float* dxp = dx + in_off;
                  const float* fp = filter + f_off;
                  for (int c = 0; c < co; ++c) dxp[c] += g[c] * fp[c];
                }
              } else {
                for (int c = 0; c < cin; ++c)
                  for (int m = 0; m < mult; ++m) {
                    const int oc = c * mult + m;
                    if (dwt) dwt[f_off + oc] += g[oc] * x[in_off + c];
                    if (dx) dx[in_off + c] += g[oc] * filter[f_off + oc];
                  }
              }
            }
          }
        }
  }
};

TINYOPT_TARGET_AVX2 void depthwise_conv_2d_backward_avx2(const DepthwiseConv2DBackward& k, const BackwardBuffers& io) {
  k.eval_body(io);
}
void depthwise_conv_2d_backward_baseline(const DepthwiseConv2DBackward& k, const BackwardBuffers& io) {
  k.eval_body(io);
}

void DepthwiseConv2DBackward::eval(const BackwardBuffers& io) const {
  if (active_isa() == Isa::Portable) depthwise_conv_2d_backward_baseline(*this, io);
  else depthwise_conv_2d_backward_avx2(*this, io);
}

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_depthwise_conv_2d_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const auto& o = op.opts<DepthwiseConv2DOptions>();
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& f = g.tensor(op.inputs[1]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  if (x.size() != 4 || f.size() != 4 || y.size() != 4 || x[3] <= 0 || f[3] % x[3] != 0)
    return fail(Errc::BadInput, g.where(op_index), "DEPTHWISE_CONV_2D backward: bad input/filter/output shapes");
  auto k = std::make_unique<DepthwiseConv2DBackward>();
  k->n = x[0], k->h = x[1], k->w = x[2], k->cin = x[3];
  k->mult = f[3] / x[3], k->kh = f[1], k->kw = f[2];
  k->oh = y[1], k->ow = y[2];
  k->sh = o.stride_h, k->sw = o.stride_w, k->dh = o.dilation_h, k->dw = o.dilation_w;
  k->pad_top = window_padding_before(o.padding, k->h, k->kh, k->sh, k->dh);
  k->pad_left = window_padding_before(o.padding, k->w, k->kw, k->sw, k->dw);
  k->act = o.activation;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
