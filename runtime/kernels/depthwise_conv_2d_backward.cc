// runtime/kernels/depthwise_conv_2d_backward.cc: gradients of float DEPTHWISE_CONV_2D (depth multiplier, strides,
// dilation, SAME/VALID, fused activation) with respect to its input, filter and bias.
//
// Forward (TFLite layout): filter [1, KH, KW, Cin*M], output channel oc = c*M + m reads input channel c:
//   Y[b, oy, ox, oc] = bias[oc] + sum_{ky,kx} X[b, oy*sh - pad_top + ky*dh, ox*sw - pad_left + kx*dw, c] * W[ky, kx, oc]
// Backward walks the same windows: dW[ky,kx,oc] += dZ * X, dX[.., c] += dZ * W. The innermost loop runs over
// contiguous channels so it vectorises; the order of accumulation is fixed. The loops are compiled for baseline
// x86-64 and for AVX2 (TINYOPT_TARGET_AVX2, no FMA), picked by the active ISA, with the same per-element order.
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "ir/shape_inference.h"
#include "runtime/cpu_features.h"
#include "runtime/backward_kernel.h"

namespace tinyopt {
namespace {

// 8 floats as one GCC vector: one ymm operation in the AVX2 copy, two xmm ones in the baseline copy, the same
// multiply and add per lane either way. Loaded and stored through memcpy (unaligned moves): the arrays are only
// float-aligned, and clang ignores a lowered alignment on a vector type alias (UBSan: misaligned store).
using Float8 = float __attribute__((vector_size(32)));

// By reference, not by value: a 32-byte vector argument would change the baseline copy's ABI (-Wpsabi).
[[gnu::always_inline]] inline void load8(const float* p, Float8& v) { std::memcpy(&v, p, sizeof v); }
[[gnu::always_inline]] inline void store8(float* p, const Float8& v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline void multiply_add8(const float* g, const float* v, float* acc) {
  Float8 a, x, y;
  load8(acc, a), load8(g, x), load8(v, y);
  a += x * y;
  store8(acc, a);
}
[[gnu::always_inline]] inline void add8(const float* g, float* acc) {
  Float8 a, x;
  load8(acc, a), load8(g, x);
  a += x;
  store8(acc, a);
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

    if (mult == 1 && co % 8 == 0) return rows_body(dz, x, filter, dx, dwt, db);
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

  // Calls f(std::integral_constant<int, B>, c0) for chunks of B = 8, 4, 2, 1 vectors of 8 channels covering
  // [0, co): the sums of a chunk live in registers (a runtime count would keep them in memory).
  template <class F>
  [[gnu::always_inline]] static inline void for_channel_chunks(int co, F&& f) {
    int c0 = 0;
    for (; c0 + 64 <= co; c0 += 64) f(std::integral_constant<int, 8>{}, c0);
    if (c0 + 32 <= co) f(std::integral_constant<int, 4>{}, c0), c0 += 32;
    if (c0 + 16 <= co) f(std::integral_constant<int, 2>{}, c0), c0 += 16;
    if (c0 + 8 <= co) f(std::integral_constant<int, 1>{}, c0);
  }

  // Depth multiplier 1, whole vectors of 8 channels: each gradient element is summed in registers and stored
  // once, its terms taken in the order of the per-pixel loop above, so the sums are the same bits.
  //   dW[ky, kx, c]: per output row (b, y) and tap, over the row's pixels xo ascending; up to 64 channels (8
  //                  independent sums) at a time, so the adds do not wait on each other.
  //   dX[b, iy, ix, c]: gathered per input pixel. In the loop above its terms arrive in (y, xo) order, each (y, xo)
  //                  giving at most one tap (ky, kx): input_taps lists them that way, per input row and column.
  //   db: per pixel, as above.
  [[gnu::always_inline]] inline void rows_body(const float* dz, const float* x, const float* filter, float* dx,
                                               float* dwt, float* db) const {
    const int co = cout();
    for (int b = 0; b < n; ++b)
      for (int y = 0; y < oh; ++y) {
        const float* grow = dz + (int64_t{b} * oh + y) * ow * co;
        if (db)
          for (int xo = 0; xo < ow; ++xo)
            for (int c = 0; c < co; c += 8) add8(grow + int64_t{xo} * co + c, db + c);
        if (!dwt) continue;
        for (int ky = 0; ky < kh; ++ky) {
          const int iy = y * sh - pad_top + ky * dh;
          if (iy < 0 || iy >= h) continue;
          const float* xrow = x + (int64_t{b} * h + iy) * w * cin;
          for (int kx = 0; kx < kw; ++kx) {
            float* dw_tap = dwt + (int64_t{ky} * kw + kx) * co;
            for_channel_chunks(co, [&](auto blocks, int c0) {
              constexpr int B = decltype(blocks)::value;
              Float8 acc[B];
              for (int j = 0; j < B; ++j) load8(dw_tap + c0 + 8 * j, acc[j]);
              for (int xo = 0; xo < ow; ++xo) {
                const int ix = xo * sw - pad_left + kx * dw;
                if (ix < 0 || ix >= w) continue;
                const float* g = grow + int64_t{xo} * co + c0;
                const float* xp = xrow + int64_t{ix} * cin + c0;
                for (int j = 0; j < B; ++j) {
                  Float8 gv, xv;
                  load8(g + 8 * j, gv), load8(xp + 8 * j, xv);
                  acc[j] += gv * xv;
                }
              }
              for (int j = 0; j < B; ++j) store8(dw_tap + c0 + 8 * j, acc[j]);
            });
          }
        }
      }
    if (!dx) return;
    // Per input row iy, the (y, ky) with y * sh - pad_top + ky * dh = iy, y ascending; per column the same (xo, kx).
    const std::vector<std::vector<std::pair<int, int>>> row_taps = input_taps(h, oh, kh, sh, dh, pad_top);
    const std::vector<std::vector<std::pair<int, int>>> col_taps = input_taps(w, ow, kw, sw, dw, pad_left);
    for (int b = 0; b < n; ++b)
      for (int iy = 0; iy < h; ++iy)
        for (int ix = 0; ix < w; ++ix) {
          float* dxp = dx + ((int64_t{b} * h + iy) * w + ix) * cin;
          for_channel_chunks(co, [&](auto blocks, int c0) {
            constexpr int B = decltype(blocks)::value;
            Float8 acc[B];
            for (int j = 0; j < B; ++j) load8(dxp + c0 + 8 * j, acc[j]);
            for (const auto& [y, ky] : row_taps[static_cast<size_t>(iy)]) {
              const float* grow = dz + (int64_t{b} * oh + y) * ow * co + c0;
              const float* frow = filter + int64_t{ky} * kw * co + c0;
              for (const auto& [xo, kx] : col_taps[static_cast<size_t>(ix)]) {
                const float* g = grow + int64_t{xo} * co;
                const float* fp = frow + int64_t{kx} * co;
                for (int j = 0; j < B; ++j) {
                  Float8 gv, fv;
                  load8(g + 8 * j, gv), load8(fp + 8 * j, fv);
                  acc[j] += gv * fv;
                }
              }
            }
            for (int j = 0; j < B; ++j) store8(dxp + c0 + 8 * j, acc[j]);
          });
        }
  }

  // For each input coordinate i in [0, size), the (output coordinate o, tap k) pairs with
  // o * stride - pad + k * dilation = i, o ascending.
  static std::vector<std::vector<std::pair<int, int>>> input_taps(int size, int out_size, int taps, int stride,
                                                                  int dilation, int pad) {
    std::vector<std::vector<std::pair<int, int>>> out(static_cast<size_t>(size));
    for (int o = 0; o < out_size; ++o)
      for (int k = 0; k < taps; ++k) {
        const int i = o * stride - pad + k * dilation;
        if (i >= 0 && i < size) out[static_cast<size_t>(i)].emplace_back(o, k);
      }
    return out;  // o ascends within each list: the outer loop runs over o
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
