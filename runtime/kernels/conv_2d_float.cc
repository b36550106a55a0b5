// runtime/kernels/conv_2d_float.cc: float CONV_2D as im2col + GEMM (runtime/gemm_float.h), NHWC input,
// [O, KH, KW, C] filter.
//
// prepare: geometry (TFLite SAME/VALID padding, strides, dilation), the fused-activation clamp, hybrid weights
// dequantized once; picks the 1x1/stride-1/no-padding case, which is a GEMM on the input as it lies in memory.
// eval: for a block of output pixels (crossing image boundaries for small maps or large batches), copy every
// receptive field into a row of the scratch matrix (zeros where the window hangs over the padding), then
// out[rows, O] = cols[rows, K] * W^T + bias, clamped. The block size bounds the scratch whatever the batch.
#include <algorithm>
#include <cstring>

#include "ir/shape_inference.h"
#include "runtime/gemm_float.h"
#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/float_weights.h"

namespace tinyopt {
namespace {

constexpr int64_t kBlockRows = 256;

class Conv2DFloat final : public Kernel {
 public:
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int k_h = 0, k_w = 0, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
  bool direct_gemm = false;  // 1x1 filter, stride 1, no padding: the input already is the im2col matrix
  int64_t block_rows = 1;    // im2col rows (output pixels, across images) per GEMM
  FloatClamp clamp{};
  FloatWeights weights;

  int64_t depth() const { return int64_t{k_h} * k_w * in_c; }
  size_t scratch_bytes() const override {
    return direct_gemm ? 0 : static_cast<size_t>(block_rows * depth()) * sizeof(float);
  }

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    const float* w = weights.get(io.inputs[1]);
    const auto* bias = io.inputs.size() > 2 ? reinterpret_cast<const float*>(io.inputs[2]) : nullptr;
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    const int64_t rows_per_image = int64_t{out_h} * out_w;
    if (direct_gemm) {
      gemm_bias_act_float(x, w, bias, batches * rows_per_image, in_c, out_c, clamp, y);
      return;
    }
    auto* cols = reinterpret_cast<float*>(io.scratch.data());
    const int64_t total_rows = batches * rows_per_image;
    for (int64_t r0 = 0; r0 < total_rows; r0 += block_rows) {
      const int64_t r1 = std::min(total_rows, r0 + block_rows);
      im2col(x, r0, r1, cols);
      gemm_bias_act_float(cols, w, bias, r1 - r0, depth(), out_c, clamp, y + r0 * out_c);
    }
  }

 private:
  // Rows [r0, r1) of the im2col matrix; row r is output pixel (b, oy, ox) in NHWC order.
  void im2col(const float* x, int64_t r0, int64_t r1, float* cols) const {
    const size_t row_bytes = static_cast<size_t>(in_c) * sizeof(float);
    const int64_t per_image = int64_t{out_h} * out_w;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / per_image;
      const int oy = static_cast<int>((r % per_image) / out_w), ox = static_cast<int>(r % out_w);
      const float* image = x + b * in_h * in_w * in_c;
      float* dst = cols + (r - r0) * depth();
      for (int ky = 0; ky < k_h; ++ky) {
        const int iy = oy * stride_h - pad_top + ky * dil_h;
        const int ix0 = ox * stride_w - pad_left;
        if (dil_w == 1 && iy >= 0 && iy < in_h && ix0 >= 0 && ix0 + k_w <= in_w) {
          // The whole filter row lies inside the image: one run of k_w * in_c floats (in_c = 1 layers would
          // otherwise pay one memcpy call per float).
          std::memcpy(dst, image + (int64_t{iy} * in_w + ix0) * in_c, row_bytes * k_w);
          dst += int64_t{k_w} * in_c;
          continue;
        }
        for (int kx = 0; kx < k_w; ++kx, dst += in_c) {
          const int ix = ox * stride_w - pad_left + kx * dil_w;
          if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) std::memset(dst, 0, row_bytes);
          else std::memcpy(dst, image + (int64_t{iy} * in_w + ix) * in_c, row_bytes);
        }
      }
    }
  }
};

}  // namespace

KernelResult make_conv_2d_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Conv2DOptions o = std::holds_alternative<Conv2DOptions>(op.options) ? op.opts<Conv2DOptions>() : Conv2DOptions{};
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& w = g.tensor(op.inputs[1]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  auto k = std::make_unique<Conv2DFloat>();
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  auto weights = prepare_float_weights(g, op_index, 1);
  if (!weights) return weights.take_error();
  k->clamp = *clamp;
  k->weights = std::move(*weights);
  k->batches = x[0], k->in_h = x[1], k->in_w = x[2], k->in_c = x[3];
  k->out_h = y[1], k->out_w = y[2], k->out_c = y[3];
  k->k_h = w[1], k->k_w = w[2];
  k->stride_h = o.stride_h, k->stride_w = o.stride_w, k->dil_h = o.dilation_h, k->dil_w = o.dilation_w;
  k->pad_top = window_padding_before(o.padding, x[1], w[1], o.stride_h, o.dilation_h);
  k->pad_left = window_padding_before(o.padding, x[2], w[2], o.stride_w, o.dilation_w);
  k->direct_gemm = k->k_h == 1 && k->k_w == 1 && k->stride_h == 1 && k->stride_w == 1 && k->pad_top == 0 &&
                   k->pad_left == 0 && k->out_h == k->in_h && k->out_w == k->in_w;
  // 256 output pixels per GEMM: large enough that packing the weights once per GEMM costs little, small enough that the
  // scratch stays near the size of the activations (TFLM's reference conv needs none; we trade a little RAM on
  // the host for GEMM speed) and in cache, whatever the batch.
  k->block_rows = std::clamp<int64_t>(int64_t{k->batches} * k->out_h * k->out_w, 1, kBlockRows);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
