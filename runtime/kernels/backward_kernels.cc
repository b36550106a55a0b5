// runtime/kernels/backward_kernels.cc: the explicit list of float backward kernels, one per op kind
// (runtime/kernels/<op>_backward.cc), in the order of OpKind.
#include "runtime/backward_kernel.h"

namespace tinyopt {

// Factories defined in the per-op files.
Expected<std::unique_ptr<BackwardKernel>> make_conv_2d_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_depthwise_conv_2d_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_fully_connected_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_add_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_sub_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_mul_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_average_pool_2d_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_max_pool_2d_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_mean_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_reshape_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_squeeze_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_softmax_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_logistic_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_tanh_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_relu_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_relu6_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_leaky_relu_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_hard_swish_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_pad_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_concatenation_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_transpose_conv_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_svdf_backward(const Graph&, int);
Expected<std::unique_ptr<BackwardKernel>> make_sequence_lstm_backward(const Graph&, int);

void register_backward_kernels(BackwardRegistry& r) {
  r.add(OpKind::Conv2D, make_conv_2d_backward);
  r.add(OpKind::DepthwiseConv2D, make_depthwise_conv_2d_backward);
  r.add(OpKind::FullyConnected, make_fully_connected_backward);
  r.add(OpKind::Add, make_add_backward);
  r.add(OpKind::Sub, make_sub_backward);
  r.add(OpKind::Mul, make_mul_backward);
  r.add(OpKind::AveragePool2D, make_average_pool_2d_backward);
  r.add(OpKind::MaxPool2D, make_max_pool_2d_backward);
  r.add(OpKind::Mean, make_mean_backward);
  r.add(OpKind::Reshape, make_reshape_backward);
  r.add(OpKind::Squeeze, make_squeeze_backward);
  r.add(OpKind::Softmax, make_softmax_backward);
  r.add(OpKind::Logistic, make_logistic_backward);
  r.add(OpKind::Tanh, make_tanh_backward);
  r.add(OpKind::Relu, make_relu_backward);
  r.add(OpKind::Relu6, make_relu6_backward);
  r.add(OpKind::LeakyRelu, make_leaky_relu_backward);
  r.add(OpKind::HardSwish, make_hard_swish_backward);
  r.add(OpKind::Pad, make_pad_backward);
  r.add(OpKind::Concatenation, make_concatenation_backward);
  r.add(OpKind::TransposeConv, make_transpose_conv_backward);
  r.add(OpKind::Svdf, make_svdf_backward);
  r.add(OpKind::SequenceLstm, make_sequence_lstm_backward);
}

}  // namespace tinyopt
