// runtime/kernels/max_pool_2d_int8.cc: MAX_POOL_2D on int8/int16 (TFLM reference): maximum over the window
// clipped to the image, clamped by the fused activation. Scale and zero point pass through unchanged.
#include <algorithm>
#include <limits>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/pool_2d_int8.h"

namespace tinyopt {

namespace {

template <class T>
void max_pool(const Pool2DInt8Params& p, const T* input, T* output) {
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int iy0 = oy * p.stride_h - p.pad_h;
        const int ix0 = ox * p.stride_w - p.pad_w;
        const int fy0 = std::max(0, -iy0), fy1 = std::min(p.filter_h, p.in_h - iy0);
        const int fx0 = std::max(0, -ix0), fx1 = std::min(p.filter_w, p.in_w - ix0);
        T* out = output + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.channels;
        for (int c = 0; c < p.channels; ++c) {
          int32_t m = std::numeric_limits<T>::lowest();
          for (int fy = fy0; fy < fy1; ++fy)
            for (int fx = fx0; fx < fx1; ++fx)
              m = std::max<int32_t>(m, input[((static_cast<long>(b) * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * p.channels + c]);
          out[c] = static_cast<T>(fxp::clamp(m, p.act_min, p.act_max));
        }
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
