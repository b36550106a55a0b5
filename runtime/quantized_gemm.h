// runtime/quantized_gemm.h: the integer matrix product under the fast CONV_2D and FULLY_CONNECTED int8 kernels.
//
//   out[r * cols + c] = sum_k a[r][k] * w[c][k]        (int32 accumulation, exact)
//
// Int8Gemm packs the int8 weights w [cols][depth] (zero point 0, TFLite int8 spec) once, at prepare time, for the
// variant of the ISA active then (runtime/cpu_features.h), and says which activation rows it takes:
//   portable, avx2   int16 rows a = x - zp in [-255, 255], zero-padded to kGemmDepthAlign; weights widened to
//                    int16 and interleaved by pairs; AVX2 uses pmaddwd (|a*w + a*w| <= 2*255*128 < 2^31).
//   avx512vnni       uint8 rows u = x + 128 in [0, 255] (vpdpbusd multiplies u8 by s8, summing 4 products
//                    exactly into int32, no saturation). Then sum u*w = sum (x - zp)*w + (128 + zp) * sum w, so the
//                    kernel subtracts (128 + zp) * column_sum(c) once, folded into its bias (unsigned_offset_bias).
//                    A padded tap of a convolution is written as u = 128 + zp, which contributes 0 after it.
// On request (one_row), the avx2 variant also multiplies a single row of raw int8 activations x with its zero point
// (multiply_row, quantized_gemm_signed_row.h) when every weight is in [-127, 127]: a fully connected layer on one
// sample, which reads each weight once, skips the int16 row and runs a third fewer instructions. Such a GEMM keeps
// no int16 copy of the weights (its multiply() takes int16 rows two at a time from the int8 copy).
// Every variant yields the reference kernel's int32 accumulator bit for bit (for any depth a TFLite model has).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/cpu_features.h"

namespace tinyopt {

inline constexpr int kGemmDepthAlign = 2;    // int16 rows: one pmaddwd pair
inline constexpr int kGemmDepthAlignU8 = 4;  // uint8 rows: one vpdpbusd group

class Int8Gemm {
 public:
  Int8Gemm() = default;
  // Packs w [cols][depth] for `isa` (the active ISA by default); one_row: also for multiply_row where it can.
  Int8Gemm(const int8_t* w, int cols, int depth, Isa isa = active_isa(), bool one_row = false);

  Isa isa() const { return isa_; }
  // True: activation rows are uint8 (x + 128); false: int16 (x - zp).
  bool unsigned_rows() const { return unsigned_rows_; }
  int depth() const { return depth_; }
  int cols() const { return cols_; }
  // Elements per activation row: depth rounded up to the variant's alignment. The padding of an int16 row must
  // be 0; that of a uint8 row may hold anything (its weights are 0).
  int row_stride() const { return kp_; }
  size_t row_bytes() const { return static_cast<size_t>(kp_) * (unsigned_rows_ ? 1 : 2); }

  // For uint8 rows: bias[c] - (128 + zp) * sum_k w[c][k], computed in int64 and wrapped to int32 like the
  // reference's int32 sums (so acc_u8 + this == acc_ref + bias mod 2^32). For int16 rows: the bias unchanged.
  std::vector<int32_t> unsigned_offset_bias(std::span<const int32_t> bias, int32_t input_zero_point) const;

  // out [rows][cols] = rows x weights^T; `a` holds `rows` rows of row_stride() elements of the kind above.
  void multiply(const void* a, int rows, int32_t* out) const;
  // The same for int16 rows (unsigned_rows() false) that are not stored one after the other: depth pair g of row r
  // is the two int16 at rows[r] + pair_offset[g], g < row_stride() / 2 (an implicit im2col: the convolution's
  // receptive fields read in place from a padded image).
  void multiply_gathered(const int16_t* const* rows, const int32_t* pair_offset, int n, int32_t* out) const;
  // The activation row of the variant's kind for the raw int8 row x [depth] with zero point zp: x - zp as int16, or
  // x + 128 as uint8, then zeros up to row_stride(). dst holds row_bytes().
  void write_row(const int8_t* x, int32_t zero_point, void* dst) const;
  // Whether multiply_row is available (requested, avx2 variant, every weight in [-127, 127]).
  bool takes_raw_row() const { return !packed_row_.empty(); }
  // out[c] = sum_k (x[k] - zero_point) * w[c][k]: the accumulators multiply() gives for the int16 row x - zp,
  // from the raw int8 row x [depth]. Fast when takes_raw_row(); otherwise through a temporary row (tests).
  void multiply_row(const int8_t* x, int32_t zero_point, int32_t* out) const;
  // Whether an Int8Gemm made for `isa` now takes uint8 rows.
  static bool takes_unsigned_rows(Isa isa);

 private:
  Isa isa_ = Isa::Portable;
  bool unsigned_rows_ = false;
  int depth_ = 0, cols_ = 0, kp_ = 0;
  std::vector<int16_t> packed_s16_;  // int16 rows: [cols/8][kp/2][8][2] (quantized_gemm.cc); empty beside packed_row_
  std::vector<int8_t> packed_s8_;    // the same as int8, for the AVX2 tiles of one or two rows
  std::vector<int8_t> packed_u8_;    // uint8 rows: [cols/16][kp/4][16][4] (quantized_gemm_vnni.h)
  std::vector<int8_t> packed_row_;   // raw int8 rows (multiply_row): quads by tile (quantized_gemm_signed_row.h)
  std::vector<int32_t> column_sum_;  // sum_k w[c][k], 0 past cols up to a multiple of 8
};

// Tests only: while on, Int8Gemm objects made for a non-VNNI ISA use the uint8-row layout of the avx512vnni
// variant with portable arithmetic, so that the offset correction and the uint8 im2col are checked end to end on
// CPUs without VNNI. Off by default.
void set_unsigned_gemm_emulation(bool on);

}  // namespace tinyopt
