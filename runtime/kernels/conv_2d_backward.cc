// runtime/kernels/conv_2d_backward.cc: gradients of float CONV_2D (strides, dilation, SAME/VALID, fused
// activation) with respect to its input, filter and bias.
//
// With the forward written as im2col + GEMM, Z[M, Cout] = C[M, K] * W[Cout, K]^T + b (M = N*OH*OW rows, one per
// output pixel; K = KH*KW*Cin), the gradients are three GEMM-shaped products:
//   dZ = dY * act'(Y);   dW += dZ^T * C;   db += column sums of dZ;   dC = dZ * W, scattered back (col2im) into dX.
// A 1x1 stride-1 unpadded convolution skips im2col: C is X itself. The products go through gemm_float
// (runtime/gemm_float.h), whose summation order is the same on every ISA, so equal inputs give bit-identical
// gradients on any machine; db adds the rows of dZ in row order.
#include <cstring>
#include <limits>

#include "ir/shape_inference.h"
#include "runtime/backward_kernel.h"
#include "runtime/gemm_float.h"

namespace tinyopt {
namespace {

constexpr FloatClamp kNoClamp{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};

class Conv2DBackward final : public BackwardKernel {
 public:
  int n = 0, h = 0, w = 0, cin = 0, oh = 0, ow = 0, cout = 0, kh = 0, kw = 0;
  int sh = 1, sw = 1, dh = 1, dw = 1, pad_top = 0, pad_left = 0;
  Activation act = Activation::None;
  bool pointwise = false;  // 1x1, stride 1, no padding: im2col is the identity

  int64_t rows() const { return int64_t{n} * oh * ow; }
  int64_t depth() const { return int64_t{kh} * kw * cin; }
  size_t scratch_floats() const override {
    const size_t dz = static_cast<size_t>(rows() * cout);
    return pointwise ? dz + static_cast<size_t>(rows() * depth()) : dz + 2 * static_cast<size_t>(rows() * depth());
  }

  void im2col(const float* x, float* col) const {
    const int64_t k = depth();
    for (int b = 0; b < n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int xo = 0; xo < ow; ++xo) {
          float* row = col + ((int64_t{b} * oh + y) * ow + xo) * k;
          for (int ky = 0; ky < kh; ++ky) {
            const int iy = y * sh - pad_top + ky * dh;
            const int ix0 = xo * sw - pad_left;
            if (dw == 1 && iy >= 0 && iy < h && ix0 >= 0 && ix0 + kw <= w) {  // the filter row is inside: one run
              std::memcpy(row + int64_t{ky} * kw * cin, x + ((int64_t{b} * h + iy) * w + ix0) * cin,
                          sizeof(float) * kw * cin);
              continue;
            }
            for (int kx = 0; kx < kw; ++kx) {
              const int ix = xo * sw - pad_left + kx * dw;
              float* dst = row + (int64_t{ky} * kw + kx) * cin;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                std::memset(dst, 0, sizeof(float) * cin);
              } else {
                std::memcpy(dst, x + ((int64_t{b} * h + iy) * w + ix) * cin, sizeof(float) * cin);
              }
            }
          }
        }
  }

  void col2im_add(const float* col, float* dx) const {
    const int64_t k = depth();
    for (int b = 0; b < n; ++b)
      for (int y = 0; y < oh; ++y)
        for (int xo = 0; xo < ow; ++xo) {
          const float* row = col + ((int64_t{b} * oh + y) * ow + xo) * k;
          for (int ky = 0; ky < kh; ++ky) {
            const int iy = y * sh - pad_top + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; ++kx) {
              const int ix = xo * sw - pad_left + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const float* src = row + (int64_t{ky} * kw + kx) * cin;
              float* dst = dx + ((int64_t{b} * h + iy) * w + ix) * cin;
              for (int c = 0; c < cin; ++c) dst[c] += src[c];
            }
          }
        }
  }

  void eval(const BackwardBuffers& io) const override {
    const int64_t m = rows(), k = depth();
    float* dz = io.scratch.data();
    const size_t out_count = static_cast<size_t>(m * cout);
    fused_activation_grad(act, {io.outputs[0], out_count}, {io.output_grads[0], out_count}, {dz, out_count});
    float* dx = grad_or_null(io, 0);
    float* dwt = grad_or_null(io, 1);
    float* db = grad_or_null(io, 2);
    if (db)
      for (int64_t r = 0; r < m; ++r)
        for (int c = 0; c < cout; ++c) db[c] += dz[r * cout + c];
    const float* col = io.inputs[0];
    float* work = dz + out_count;
    if (dwt) {
      if (!pointwise) {
        im2col(io.inputs[0], work);
        col = work;
      }
      // dW [cout, K] += dZ^T [cout, M] * C [M, K]
      gemm_float({dz, 1, cout}, {col, k, 1}, cout, m, k, dwt, k, true, nullptr, kNoClamp);
    }
    if (dx) {
      const FloatMatrixView wmat{io.inputs[1], k, 1};  // W [cout, K]
      if (pointwise) {
        gemm_float({dz, cout, 1}, wmat, m, cout, k, dx, k, true, nullptr, kNoClamp);  // dX += dZ * W
      } else {
        float* dcol = work + m * k;
        gemm_float({dz, cout, 1}, wmat, m, cout, k, dcol, k, false, nullptr, kNoClamp);  // dC = dZ * W
        col2im_add(dcol, dx);
      }
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_conv_2d_backward(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const auto& o = op.opts<Conv2DOptions>();
  if (auto r = check_fused_activation_grad(g, op_index, o.activation); !r) return r.take_error();
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& f = g.tensor(op.inputs[1]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  if (x.size() != 4 || f.size() != 4 || y.size() != 4)
    return fail(Errc::BadInput, g.where(op_index), "CONV_2D backward needs rank-4 input, filter and output");
  auto k = std::make_unique<Conv2DBackward>();
  k->n = x[0], k->h = x[1], k->w = x[2], k->cin = x[3];
  k->cout = f[0], k->kh = f[1], k->kw = f[2];
  k->oh = y[1], k->ow = y[2];
  k->sh = o.stride_h, k->sw = o.stride_w, k->dh = o.dilation_h, k->dw = o.dilation_w;
  k->pad_top = window_padding_before(o.padding, k->h, k->kh, k->sh, k->dh);
  k->pad_left = window_padding_before(o.padding, k->w, k->kw, k->sw, k->dw);
  k->act = o.activation;
  k->pointwise = k->kh == 1 && k->kw == 1 && k->sh == 1 && k->sw == 1 && k->pad_top == 0 && k->pad_left == 0 &&
                 k->oh == k->h && k->ow == k->w;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
