// runtime/kernels/float_kernels.h: the float32 kernel factories, one per op file (<op>_float.cc), registered by
// register_float_kernels (float_kernels.cc) under (kind, Float32).
#pragma once

#include "runtime/kernel.h"

namespace tinyopt {

using KernelResult = Expected<std::unique_ptr<Kernel>>;

KernelResult make_conv_2d_float(const Graph& g, int op_index);
KernelResult make_depthwise_conv_2d_float(const Graph& g, int op_index);
KernelResult make_fully_connected_float(const Graph& g, int op_index);
KernelResult make_add_float(const Graph& g, int op_index);
KernelResult make_sub_float(const Graph& g, int op_index);
KernelResult make_mul_float(const Graph& g, int op_index);
KernelResult make_average_pool_2d_float(const Graph& g, int op_index);
KernelResult make_max_pool_2d_float(const Graph& g, int op_index);
KernelResult make_mean_float(const Graph& g, int op_index);
KernelResult make_softmax_float(const Graph& g, int op_index);
KernelResult make_logistic_float(const Graph& g, int op_index);
KernelResult make_tanh_float(const Graph& g, int op_index);
KernelResult make_relu_float(const Graph& g, int op_index);
KernelResult make_relu6_float(const Graph& g, int op_index);
KernelResult make_leaky_relu_float(const Graph& g, int op_index);
KernelResult make_hard_swish_float(const Graph& g, int op_index);
KernelResult make_pad_float(const Graph& g, int op_index);
KernelResult make_quantize_float(const Graph& g, int op_index);
KernelResult make_svdf_float(const Graph& g, int op_index);
KernelResult make_sequence_lstm_float(const Graph& g, int op_index);
KernelResult make_transpose_conv_float(const Graph& g, int op_index);  // input #2 float32

// Data-movement kernels: they only copy bytes, so they serve any dtype (the int8 list may register them too).
KernelResult make_reshape_any(const Graph& g, int op_index);  // RESHAPE and SQUEEZE: a copy
KernelResult make_concatenation_any(const Graph& g, int op_index);
KernelResult make_transpose_any(const Graph& g, int op_index);
KernelResult make_strided_slice_any(const Graph& g, int op_index);

}  // namespace tinyopt
