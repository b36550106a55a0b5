// runtime/kernels/average_pool_2d_int8.cc: AVERAGE_POOL_2D on int8/int16 (TFLM reference): the window is clipped
// to the image (padded taps are not counted), the sum is divided by the count rounding half away from zero, then
// clamped by the fused activation. Also holds the pooling prepare shared with MAX_POOL_2D.
#include <algorithm>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/pool_2d_int8.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

Expected<Pool2DInt8Params> prepare_pool_2d_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer pooling kernel for");
  if (in->shape.size() != 4 || out->shape.size() != 4) return bad_op(g, op_index, in, "pooling needs 4-D tensors");
  const auto* o = std::get_if<Pool2DOptions>(&op.options);
  if (!o) return bad_op(g, op_index, nullptr, "missing pooling options");
  Pool2DInt8Params p;
  p.int16 = in->dtype == DType::Int16;
  p.batches = in->shape[0];
  p.in_h = in->shape[1];
  p.in_w = in->shape[2];
  p.channels = in->shape[3];
  p.filter_h = o->filter_h;
  p.filter_w = o->filter_w;
  p.stride_h = o->stride_h;
  p.stride_w = o->stride_w;
  if (p.filter_h <= 0 || p.filter_w <= 0 || p.stride_h <= 0 || p.stride_w <= 0)
    return bad_op(g, op_index, nullptr, "filter sizes and strides must be positive");
  const WindowDim ph = window_dim(o->padding, p.in_h, p.filter_h, p.stride_h, 1);
  const WindowDim pw = window_dim(o->padding, p.in_w, p.filter_w, p.stride_w, 1);
  p.pad_h = ph.pad_before;
  p.pad_w = pw.pad_before;
  p.out_h = out->shape[1];
  p.out_w = out->shape[2];
  if (p.out_h != ph.out || p.out_w != pw.out || out->shape[3] != p.channels || out->shape[0] != p.batches)
    return bad_op(g, op_index, out, "output shape does not match the pooling window");
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  std::tie(p.act_min, p.act_max) = activation_range(o->activation, out->dtype, *qo);
  return p;
}

namespace {

// Sums over the window for up to kChannelChunk channels at a time, each tap adding a contiguous run of channels
// (the NHWC inner dimension), so the loop vectorises; the division is per output.
constexpr int kChannelChunk = 256;

template <class T>
void average_pool(const Pool2DInt8Params& p, const T* input, T* output) {
  int32_t acc[kChannelChunk];
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int iy0 = oy * p.stride_h - p.pad_h;
        const int ix0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -iy0), fy1 = std::min(p.filter_h, p.in_h - iy0);
        const int fx0 = std::max(0, -ix0), fx1 = std::min(p.filter_w, p.in_w - ix0);
        const int count = std::max(0, fy1 - fy0) * std::max(0, fx1 - fx0);
        T* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
        for (int c0 = 0; c0 < p.channels; c0 += kChannelChunk) {
          const int n = std::min(kChannelChunk, p.channels - c0);
          std::fill(acc, acc + n, 0);
          for (int fy = fy0; fy < fy1; ++fy)
            for (int fx = fx0; fx < fx1; ++fx) {
              const T* src = input + ((static_cast<long>(b) * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * p.channels + c0;
              for (int c = 0; c < n; ++c) acc[c] += src[c];
            }
          for (int c = 0; c < n; ++c) {
            if (count == 0) {  // the reference reports an error; an empty window never occurs in a valid model
              out[c0 + c] = 0;
              continue;
            }
            // Round to nearest, ties away from zero (integer division truncates toward zero).
            const int32_t v = acc[c] > 0 ? (acc[c] + count / 2) / count : (acc[c] - count / 2) / count;
            out[c0 + c] = static_cast<T>(fxp::clamp(v, p.act_min, p.act_max));
          }
        }
      }
}

class AveragePoolInt8 final : public Kernel {
 public:
  explicit AveragePoolInt8(Pool2DInt8Params p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      average_pool(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      average_pool(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  Pool2DInt8Params p_;
};

}  // namespace

KernelResult make_average_pool_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_pool_2d_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<AveragePoolInt8>(*p));
}

}  // namespace tinyopt
