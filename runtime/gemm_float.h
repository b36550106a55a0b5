// runtime/gemm_float.h: the float matrix products the float kernels are built on (Eigen GEMM), with the bias and
// fused-activation epilogue. CONV_2D (after im2col, or directly when 1x1 stride 1) and FULLY_CONNECTED both reduce to
//   out[m, n] = clamp(sum_k a[m, k] * w[n, k] + bias[n], lo, hi)
// with a row-major activations matrix a [m, k] and TFLite's row-major weights w [n, k] (output channel first).
#pragma once

#include <cstdint>

namespace tinyopt {

struct FloatClamp {
  float lo, hi;  // fused activation range; +-infinity for none
};

// out [m, n] row-major; bias may be nullptr. No aliasing between out and a / w.
void gemm_bias_act_float(const float* a, const float* w, const float* bias, int64_t m, int64_t k, int64_t n,
                         FloatClamp clamp, float* out);

}  // namespace tinyopt
