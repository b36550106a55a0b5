// runtime/kernels/max_pool_2d_int8.cc: MAX_POOL_2D on int8/int16 (TFLM reference): maximum over the window
// clipped to the image, clamped by the fused activation. Scale and zero point pass through unchanged.
#include <algorithm>
#include <limits>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/pool_2d_int8.h"

namespace tinyopt {

namespace {

// Per output pixel, the first tap's channels are copied and each further tap maxes a contiguous run of channels
// into them (the NHWC inner dimension), so the loops vectorise; then the clamp. Same maximum as the reference's
// per-channel walk over the window.
template <class T>
void max_pool(const Pool2DInt8Params& p, const T* input, T* output) {
  const int C = p.channels;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int iy0 = oy * p.stride_h - p.pad_h;
        const int ix0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -iy0), fy1 = std::min(p.filter_h, p.in_h - iy0);
        const int fx0 = std::max(0, -ix0), fx1 = std::min(p.filter_w, p.in_w - ix0);
        T* __restrict out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * C;
        bool first = true;
        for (int fy = fy0; fy < fy1; ++fy)
          for (int fx = fx0; fx < fx1; ++fx) {
            const T* __restrict src = input + ((static_cast<long>(b) * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * C;
            if (first) std::copy(src, src + C, out);
            else
              for (int c = 0; c < C; ++c) out[c] = std::max(out[c], src[c]);
            first = false;
          }
        if (first) std::fill(out, out + C, std::numeric_limits<T>::lowest());  // an empty window
        const T lo = static_cast<T>(std::max<int32_t>(p.act_min, std::numeric_limits<T>::lowest()));
        const T hi = static_cast<T>(std::min<int32_t>(p.act_max, std::numeric_limits<T>::max()));
        for (int c = 0; c < C; ++c) out[c] = std::min(std::max(out[c], lo), hi);
      }
}

class MaxPoolInt8 final : public Kernel {
 public:
  explicit MaxPoolInt8(Pool2DInt8Params p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      max_pool(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      max_pool(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  Pool2DInt8Params p_;
};

}  // namespace

KernelResult make_max_pool_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_pool_2d_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<MaxPoolInt8>(*p));
}

}  // namespace tinyopt
