// runtime/kernels/float_kernels.cc: the explicit list of float32 kernels, one line per op, keyed by (op kind,
// Float32 first input). QUANTIZE is here because it keys on its float input; DEQUANTIZE keys on int8/int16 and is
// registered by the integer list.
#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

void register_float_kernels(KernelRegistry& r) {
  constexpr DType f = DType::Float32;
  r.add(OpKind::Add, f, make_add_float);
  r.add(OpKind::AveragePool2D, f, make_average_pool_2d_float);
  r.add(OpKind::Concatenation, f, make_concatenation_any);
  r.add(OpKind::Conv2D, f, make_conv_2d_float);
  r.add(OpKind::DepthwiseConv2D, f, make_depthwise_conv_2d_float);
  r.add(OpKind::FullyConnected, f, make_fully_connected_float);
  r.add(OpKind::HardSwish, f, make_hard_swish_float);
  r.add(OpKind::LeakyRelu, f, make_leaky_relu_float);
  r.add(OpKind::Logistic, f, make_logistic_float);
  r.add(OpKind::MaxPool2D, f, make_max_pool_2d_float);
  r.add(OpKind::Mean, f, make_mean_float);
  r.add(OpKind::Mul, f, make_mul_float);
  r.add(OpKind::Pad, f, make_pad_float);
  r.add(OpKind::Quantize, f, make_quantize_float);
  r.add(OpKind::Relu, f, make_relu_float);
  r.add(OpKind::Relu6, f, make_relu6_float);
  r.add(OpKind::Reshape, f, make_reshape_any);
  r.add(OpKind::Softmax, f, make_softmax_float);
  r.add(OpKind::Squeeze, f, make_reshape_any);
  r.add(OpKind::StridedSlice, f, make_strided_slice_any);
  r.add(OpKind::SequenceLstm, f, make_sequence_lstm_float);
  r.add(OpKind::Sub, f, make_sub_float);
  r.add(OpKind::Svdf, f, make_svdf_float);
  r.add(OpKind::Tanh, f, make_tanh_float);
  r.add(OpKind::Transpose, f, make_transpose_any);
}

}  // namespace tinyopt
