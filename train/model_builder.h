// train/model_builder.h: building float graphs layer by layer in C++ (for tests, examples and benchmarks).
//
//   ModelBuilder b(/*seed=*/1);
//   TensorId x = b.input("input", {1, 28, 28, 1});
//   x = b.conv_2d(x, 16, 3, 3, {.activation = Activation::Relu});
//   x = b.fully_connected(b.reshape(x, {1, -1}), 10);
//   Graph g = *b.finish({b.softmax(x)});
//
// Each layer appends its op and constants (weights He-uniform: U(-sqrt(6 / fan_in), +sqrt(6 / fan_in)), biases
// zero, from ir/rng.h so a seed gives the same graph everywhere) and computes its output shape with the IR's
// shape inference; a layer that does not fit its input records an error that finish() returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/rng.h"

namespace tinyopt {

// Geometry of a windowed layer (conv, depthwise conv, pool).
struct WindowSpec {
  int32_t stride_h = 1, stride_w = 1;
  Padding padding = Padding::Same;
  Activation activation = Activation::None;
  int32_t dilation_h = 1, dilation_w = 1;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(uint64_t seed = 0) : rng_(seed) {}

  TensorId input(const std::string& name, Shape shape);
  // A float constant (values.size() must equal the shape's element count).
  TensorId constant(const std::string& name, Shape shape, std::vector<float> values);

  TensorId conv_2d(TensorId x, int32_t filters, int32_t kh, int32_t kw, WindowSpec spec = {});
  TensorId depthwise_conv_2d(TensorId x, int32_t kh, int32_t kw, int32_t depth_multiplier = 1, WindowSpec spec = {});
  TensorId fully_connected(TensorId x, int32_t units, Activation activation = Activation::None);
  TensorId max_pool_2d(TensorId x, int32_t fh, int32_t fw, WindowSpec spec = {});
  TensorId average_pool_2d(TensorId x, int32_t fh, int32_t fw, WindowSpec spec = {});
  TensorId mean(TensorId x, std::vector<int32_t> axes, bool keep_dims = false);
  TensorId reshape(TensorId x, Shape new_shape);  // one dimension may be -1
  TensorId squeeze(TensorId x, std::vector<int32_t> dims = {});
  TensorId pad(TensorId x, std::vector<int32_t> paddings);  // [rank][2] flattened
  TensorId concatenation(std::vector<TensorId> xs, int32_t axis, Activation activation = Activation::None);
  TensorId add(TensorId a, TensorId b, Activation activation = Activation::None);
  TensorId sub(TensorId a, TensorId b, Activation activation = Activation::None);
  TensorId mul(TensorId a, TensorId b, Activation activation = Activation::None);
  TensorId softmax(TensorId x, float beta = 1.f);
  TensorId relu(TensorId x) { return unary(OpKind::Relu, x); }
  TensorId relu6(TensorId x) { return unary(OpKind::Relu6, x); }
  TensorId logistic(TensorId x) { return unary(OpKind::Logistic, x); }
  TensorId tanh(TensorId x) { return unary(OpKind::Tanh, x); }
  TensorId hard_swish(TensorId x) { return unary(OpKind::HardSwish, x); }
  TensorId leaky_relu(TensorId x, float alpha);

  const Graph& graph() const { return g_; }
  // Sets the graph outputs (renaming the first to `output_name` if given) and validates; returns the graph or the
  // first error recorded while building.
  Expected<Graph> finish(std::vector<TensorId> outputs, const std::string& output_name = "");

 private:
  TensorId unary(OpKind kind, TensorId x);
  TensorId weights(const std::string& name, Shape shape, int64_t fan_in);
  TensorId zeros(const std::string& name, Shape shape);
  TensorId int_constant(const std::string& name, Shape shape, const std::vector<int32_t>& values);
  // Appends op and its output tensor (shape from shape inference); returns the output id or kNoTensor on error.
  TensorId emit(OpKind kind, OpOptions options, std::vector<TensorId> inputs);
  std::string next_name(OpKind kind);

  Graph g_;
  Rng rng_;
  int counter_ = 0;
  std::optional<Error> error_;
};

}  // namespace tinyopt
