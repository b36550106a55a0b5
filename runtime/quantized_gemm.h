// runtime/quantized_gemm.h: the integer matrix product under the fast CONV_2D and FULLY_CONNECTED int8 kernels.
//
//   out[r * cols + c] = sum_k a[r * kp + k] * w[c * kp + k]        (int32 accumulation, exact)
//
// `a` holds activations already offset by the input zero point (x - zp, in [-255, 255]) as int16; `w` holds int8
// weights; rows of both are zero-padded to `kp`, a multiple of kGemmDepthAlign. The sum is exact in int32 for
// any depth a TFLite model can have, so the result is the reference kernel's accumulator bit for bit.
// An AVX2 path (pmaddwd) is chosen at run time when the CPU has it; otherwise portable loops.
#pragma once

#include <cstdint>

namespace tinyopt {

inline constexpr int kGemmDepthAlign = 16;
inline int gemm_padded_depth(int k) { return (k + kGemmDepthAlign - 1) / kGemmDepthAlign * kGemmDepthAlign; }

void gemm_s16_s8(const int16_t* a, int rows, const int8_t* w, int cols, int kp, int32_t* out);

// Whether gemm_s16_s8 and the fast kernels use AVX2 on this CPU.
bool cpu_has_avx2();

}  // namespace tinyopt
