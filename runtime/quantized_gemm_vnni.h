// runtime/quantized_gemm_vnni.h: the uint8 x int8 product of Int8Gemm's avx512vnni variant (quantized_gemm.h), over
// weights packed for vpdpbusd: blocks of 16 output columns, in each block groups of 4 depth values per column,
//   packed[((b * (kp / 4) + g) * 16 + j) * 4 + i] = w[b * 16 + j][g * 4 + i]   (0 beyond cols or depth)
// so one 64-byte load gives the next 4 depth values of 16 columns, and a 4-byte broadcast of an activation row
// multiplies all of them. Internal to the runtime.
#pragma once

#include <cstdint>

namespace tinyopt::vnni {

inline constexpr int kColumnBlock = 16;
inline int column_blocks(int cols) { return (cols + kColumnBlock - 1) / kColumnBlock; }

// packed: column_blocks(cols) * kColumnBlock * kp bytes; kp a multiple of 4, >= depth.
void pack_weights(const int8_t* w, int cols, int depth, int kp, int8_t* packed);

// out[r * cols + c] = sum_k a[r * kp + k] * w[c][k]. The AVX-512 VNNI kernel: only call it when the CPU has it.
void gemm_u8s8_avx512vnni(const uint8_t* a, int rows, const int8_t* packed, int cols, int kp, int32_t* out);
// The same over the same layout in plain loops (the emulation of set_unsigned_gemm_emulation, and a test oracle).
void gemm_u8s8_portable(const uint8_t* a, int rows, const int8_t* packed, int cols, int kp, int32_t* out);

}  // namespace tinyopt::vnni
