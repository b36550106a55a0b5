// runtime/kernels/int8_kernels.h: factories of the integer kernels (int8, and int16 activations with int8 weights,
// TFLite Micro's "16x8"). register_int8_kernels (int8_kernels.cc) registers the fast variants; the *_reference
// factories are the plain TFLM-equivalent loops, kept as the bit-exact oracle the fast ones are tested against.
#pragma once

#include <memory>

#include "runtime/kernel.h"

namespace tinyopt {

using KernelResult = Expected<std::unique_ptr<Kernel>>;

KernelResult make_conv_2d_int8_reference(const Graph& g, int op_index);
KernelResult make_conv_2d_int8(const Graph& g, int op_index);  // fast: im2col + integer GEMM
KernelResult make_depthwise_conv_2d_int8_reference(const Graph& g, int op_index);
KernelResult make_depthwise_conv_2d_int8(const Graph& g, int op_index);  // fast: channel-vectorised
KernelResult make_fully_connected_int8_reference(const Graph& g, int op_index);
KernelResult make_fully_connected_int8(const Graph& g, int op_index);  // fast: integer GEMM
KernelResult make_add_int8(const Graph& g, int op_index);            // ADD and SUB
KernelResult make_mul_int8(const Graph& g, int op_index);
KernelResult make_average_pool_2d_int8(const Graph& g, int op_index);
KernelResult make_max_pool_2d_int8(const Graph& g, int op_index);
KernelResult make_mean_int8(const Graph& g, int op_index);
KernelResult make_reshape_int8(const Graph& g, int op_index);  // RESHAPE and SQUEEZE: a byte copy
KernelResult make_softmax_int8(const Graph& g, int op_index);
KernelResult make_logistic_int8(const Graph& g, int op_index);
KernelResult make_tanh_int8(const Graph& g, int op_index);
KernelResult make_relu_int8(const Graph& g, int op_index);  // RELU and RELU6
KernelResult make_leaky_relu_int8(const Graph& g, int op_index);
KernelResult make_hard_swish_int8(const Graph& g, int op_index);
KernelResult make_pad_int8(const Graph& g, int op_index);
KernelResult make_concatenation_int8(const Graph& g, int op_index);
KernelResult make_quantize_int8(const Graph& g, int op_index);    // int8/int16 -> int8/int16 requantize
KernelResult make_dequantize_int8(const Graph& g, int op_index);  // int8/int16 -> float32
KernelResult make_svdf_int8(const Graph& g, int op_index);           // int8 / int16 state
KernelResult make_sequence_lstm_int8(const Graph& g, int op_index);  // int8 activations, int16 cell state
KernelResult make_transpose_conv_int8(const Graph& g, int op_index);  // int8 and 16x8
// TRANSPOSE_CONV is keyed by its int32 output-shape input: this picks the float or integer kernel by input #2.
KernelResult make_transpose_conv(const Graph& g, int op_index);
KernelResult make_decode(const Graph& g, int op_index);           // TFLM_DECODE: uint8 encoded -> any type

}  // namespace tinyopt
