// runtime/quantized_gemm_signed_row.h: the one-row product of Int8Gemm's AVX2 variant (quantized_gemm.h) that reads
// a row of raw int8 activations (a fully connected layer on one sample), over weights packed as int8 quads in the
// order the product's tiles read them: blocks of 8 output columns, taken from block 0 in tiles of 8 blocks, then
// at most one tile each of 4, 2 and 1 blocks; a tile of T blocks from block f holds, for each group g of 4 depth
// values, its blocks' 8 columns x 4 values:
//   packed[f * (kq / 4) * 32 + ((g * T + (b - f)) * 8 + j) * 4 + i] = w[b * 8 + j][g * 4 + i]   (0 past cols, depth)
// so a tile reads one contiguous stream, 32 * T bytes per depth group. Internal to the runtime.
#pragma once

#include <cstdint>

namespace tinyopt::signed_row {

inline constexpr int kColumnBlock = 8;
inline constexpr int kDepthGroup = 4;
inline int column_blocks(int cols) { return (cols + kColumnBlock - 1) / kColumnBlock; }
inline int padded_depth(int depth) { return (depth + kDepthGroup - 1) / kDepthGroup * kDepthGroup; }

// Whether the layout can hold w: every weight in [-127, 127] (the TFLite int8 weight range), which the product's
// sign trick needs (quantized_gemm_signed_row.cc).
bool fits(const int8_t* w, long count);
// packed: column_blocks(cols) * kColumnBlock * padded_depth(depth) bytes.
void pack_weights(const int8_t* w, int cols, int depth, int8_t* packed);

// out[c] = sum_k (x[k] - zero_point) * w[c][k] for c < cols, the exact int32 sums (wrapping as the reference's do).
// Reads x[0..depth) only; column_sum[c] = sum_k w[c][k], with column_blocks(cols) * kColumnBlock entries (0 past
// cols). x86 only, and only when the CPU has AVX2.
void multiply_avx2(const int8_t* x, int32_t zero_point, int depth, const int8_t* packed, const int32_t* column_sum,
                   int cols, int32_t* out);

}  // namespace tinyopt::signed_row
