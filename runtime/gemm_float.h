// runtime/gemm_float.h: the float matrix products under the float kernels (CONV_2D after im2col, FULLY_CONNECTED)
// and their backward kernels (dX = dZ * W, dW += dZ^T * X), with one fixed summation order on every ISA variant.
//
// The canonical order, per output element (i, j), which every variant computes bit for bit:
//   acc = accumulate ? c[i][j] : +0.0f
//   for d = 0, 1, ..., k-1:   acc = acc + (A(i, d) * B(d, j))     (product rounded to float, then the add; no FMA)
//   acc = acc + bias[j]                                           (when there is a bias)
//   c[i][j] = min(max(acc, lo), hi)                               (when the clamp is finite)
// Variants vectorize across independent outputs (j, several i), never across d, and carry partial sums through
// memory when they block over d, so the result depends neither on the ISA (runtime/cpu_features.h: portable,
// avx2) nor on blocking nor on the caller's thread count. Quantize calibrates on these results and tests record
// digests of its outputs, so this order is part of the output format. The files are compiled with
// -ffp-contract=off (CMakeLists.txt) so that no build flag turns a multiply and an add into an FMA.
//
// The ISA is read at each call (active_isa()); since every variant gives the same bits, that is only speed.
#pragma once

#include <cstdint>

#include "runtime/cpu_features.h"

namespace tinyopt {

struct FloatClamp {
  float lo, hi;  // fused activation range; +-infinity for none
};

// A read-only matrix view: element (r, c) is data[r * row_stride + c * col_stride].
struct FloatMatrixView {
  const float* data;
  int64_t row_stride, col_stride;
};

// c [m, n] (row stride ldc) = or += A [m, k] * B [k, n] in the canonical order above, then bias [n] (may be
// nullptr) and clamp. No aliasing between c and a / b. `isa` picks the variant (default: the active one).
void gemm_float(FloatMatrixView a, FloatMatrixView b, int64_t m, int64_t k, int64_t n, float* c, int64_t ldc,
                bool accumulate, const float* bias, FloatClamp clamp, Isa isa = active_isa());

// The forward form: out [m, n] = clamp(a [m, k] * w^T + bias) with TFLite's row-major weights w [n, k] (output
// channel first) and row-major a. bias may be nullptr.
void gemm_bias_act_float(const float* a, const float* w, const float* bias, int64_t m, int64_t k, int64_t n,
                         FloatClamp clamp, float* out);

}  // namespace tinyopt
