// examples/fashion_mnist/architecture.h: the example's depthwise-separable CNN, shared by the training program
// and bench/train_throughput.cc (bench/train_throughput_torch.py builds the same layers in PyTorch).
//
//   input [1,28,28,1] -> CONV_2D 3x3 16 +RELU
//   -> DW 3x3 /2 +RELU -> CONV_2D 1x1 32 +RELU      [14,14,32]
//   -> DW 3x3    +RELU -> CONV_2D 1x1 32 +RELU      [14,14,32]
//   -> DW 3x3 /2 +RELU -> CONV_2D 1x1 64 +RELU      [7,7,64]
//   -> DW 3x3    +RELU -> CONV_2D 1x1 64 +RELU      [7,7,64]
//   -> RESHAPE [1,3136] -> FULLY_CONNECTED 10 -> SOFTMAX
// About 41k parameters and 0.87M multiply-accumulates per image; no batch norm (nothing to fold).
#pragma once

#include "train/model_builder.h"

namespace tinyopt::examples {

inline Expected<Graph> build_fashion_mnist_cnn(uint64_t seed) {
  ModelBuilder b(seed);
  const WindowSpec relu{.activation = Activation::Relu};
  const WindowSpec relu_s2{.stride_h = 2, .stride_w = 2, .activation = Activation::Relu};
  TensorId x = b.input("input", {1, 28, 28, 1});
  x = b.conv_2d(x, 16, 3, 3, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu_s2), 32, 1, 1, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu), 32, 1, 1, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu_s2), 64, 1, 1, relu);
  x = b.conv_2d(b.depthwise_conv_2d(x, 3, 3, 1, relu), 64, 1, 1, relu);
  x = b.fully_connected(b.reshape(x, {1, 7 * 7 * 64}), 10);
  return b.finish({b.softmax(x)}, "output");
}

}  // namespace tinyopt::examples
