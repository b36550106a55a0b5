// runtime/quantized_requantize.h: the per-channel output stage of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// int8, vectorised: for each row r and channel c,
//   out[r][c] = clamp(multiply_by_quantized_multiplier(acc[r][c] + bias[c], multiplier[c], shift[c]) + offset)
// with TFLM's double rounding (runtime/fixed_point.h), bit for bit. AVX2 loops for the avx2 and avx512vnni ISAs
// (runtime/cpu_features.h), scalar ones for portable; the kernel passes the ISA it was prepared for.
#pragma once

#include <cstdint>

#include "runtime/cpu_features.h"

namespace tinyopt {

struct RequantizeChannels {
  const int32_t* bias;        // [channels]
  const int32_t* multiplier;  // [channels], each 0 or in [2^30, 2^31)
  const int32_t* shift;       // [channels], each in [-31, 30]
  int channels;
  int32_t output_offset, act_min, act_max;
  // Whether some shift is > 0 (a multiplier above 1): false lets the AVX2 loop skip the left shift. Kernels set it
  // once at prepare (requantize_any_left_shift); true is always correct.
  bool any_left_shift = true;
  // Whether every channel has the same multiplier and shift (per-tensor quantization; requantize_uniform): lets
  // the AVX2 loop build their vectors once. false is always correct.
  bool uniform = false;
};

inline bool requantize_any_left_shift(const int32_t* shift, int channels) {
  for (int c = 0; c < channels; ++c)
    if (shift[c] > 0) return true;
  return false;
}

inline bool requantize_uniform(const int32_t* multiplier, const int32_t* shift, int channels) {
  for (int c = 1; c < channels; ++c)
    if (multiplier[c] != multiplier[0] || shift[c] != shift[0]) return false;
  return true;
}

void requantize_rows(Isa isa, const RequantizeChannels& q, const int32_t* acc, int rows, int8_t* out);

}  // namespace tinyopt
