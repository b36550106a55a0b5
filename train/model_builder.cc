// train/model_builder.cc: layer functions appending ops, constants and inferred output tensors to a Graph.
#include "train/model_builder.h"

#include <cmath>
#include <string_view>

#include "ir/shape_inference.h"

namespace tinyopt {

TensorId ModelBuilder::input(const std::string& name, Shape shape) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  const TensorId id = g_.add_tensor(std::move(t));
  g_.inputs.push_back(id);
  return id;
}

TensorId ModelBuilder::constant(const std::string& name, Shape shape, std::vector<float> values) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  if (static_cast<int64_t>(values.size()) != t.num_elements() && !error_)
    error_ = fail(Errc::BadInput, {.tensor = name}, "{} values for shape {}", values.size(), shape_to_string(t.shape));
  t.set_values<float>(values);
  return g_.add_tensor(std::move(t));
}

TensorId ModelBuilder::weights(const std::string& name, Shape shape, int64_t fan_in) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  std::vector<float> v(static_cast<size_t>(t.num_elements()));
  const float limit = std::sqrt(6.f / static_cast<float>(std::max<int64_t>(fan_in, 1)));
  for (float& x : v) x = rng_.uniform(-limit, limit);
  t.set_values<float>(v);
  return g_.add_tensor(std::move(t));
}

TensorId ModelBuilder::zeros(const std::string& name, Shape shape) {
  const int64_t n = num_elements(shape);
  return constant(name, std::move(shape), std::vector<float>(static_cast<size_t>(n), 0.f));
}

TensorId ModelBuilder::int_constant(const std::string& name, Shape shape, const std::vector<int32_t>& values) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.set_values<int32_t>(values);
  return g_.add_tensor(std::move(t));
}

std::string ModelBuilder::next_name(OpKind kind) {
  std::string s(op_kind_name(kind));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s + "_" + std::to_string(counter_++);
}

TensorId ModelBuilder::emit(OpKind kind, OpOptions options, std::vector<TensorId> inputs) {
  if (error_) return kNoTensor;
  for (TensorId id : inputs)
    if (id == kNoTensor || static_cast<size_t>(id) >= g_.tensors.size()) {
      error_ = fail(Errc::BadInput, {.op_kind = std::string(op_kind_name(kind))}, "input tensor id {} is not valid", id);
      return kNoTensor;
    }
  Tensor out;
  out.name = next_name(kind);
  const TensorId id = g_.add_tensor(std::move(out));
  Op op;
  op.kind = kind;
  op.options = std::move(options);
  op.inputs = std::move(inputs);
  op.outputs = {id};
  const int index = g_.add_op(std::move(op));
  auto shapes = infer_output_shapes(g_, index);
  if (!shapes) {
    error_ = shapes.take_error();
    return kNoTensor;
  }
  g_.tensor(id).shape = (*shapes)[0];
  return id;
}

TensorId ModelBuilder::conv_2d(TensorId x, int32_t filters, int32_t kh, int32_t kw, WindowSpec s) {
  if (error_ || x == kNoTensor) return kNoTensor;
  const int32_t cin = g_.tensor(x).shape.back();
  const std::string base = "conv_2d_" + std::to_string(counter_);
  const TensorId w = weights(base + "/filter", {filters, kh, kw, cin}, int64_t{kh} * kw * cin);
  const TensorId b = zeros(base + "/bias", {filters});
  return emit(OpKind::Conv2D,
              Conv2DOptions{.padding = s.padding, .stride_w = s.stride_w, .stride_h = s.stride_h,
                            .activation = s.activation, .dilation_w = s.dilation_w, .dilation_h = s.dilation_h},
              {x, w, b});
}

TensorId ModelBuilder::depthwise_conv_2d(TensorId x, int32_t kh, int32_t kw, int32_t mult, WindowSpec s) {
  if (error_ || x == kNoTensor) return kNoTensor;
  const int32_t cin = g_.tensor(x).shape.back();
  const std::string base = "depthwise_conv_2d_" + std::to_string(counter_);
  const TensorId w = weights(base + "/filter", {1, kh, kw, cin * mult}, int64_t{kh} * kw);
  const TensorId b = zeros(base + "/bias", {cin * mult});
  return emit(OpKind::DepthwiseConv2D,
              DepthwiseConv2DOptions{.padding = s.padding, .stride_w = s.stride_w, .stride_h = s.stride_h,
                                     .depth_multiplier = mult, .activation = s.activation,
                                     .dilation_w = s.dilation_w, .dilation_h = s.dilation_h},
              {x, w, b});
}

TensorId ModelBuilder::fully_connected(TensorId x, int32_t units, Activation activation) {
  if (error_ || x == kNoTensor) return kNoTensor;
  const int32_t depth = g_.tensor(x).shape.back();
  const std::string base = "fully_connected_" + std::to_string(counter_);
  const TensorId w = weights(base + "/weights", {units, depth}, depth);
  const TensorId b = zeros(base + "/bias", {units});
  return emit(OpKind::FullyConnected, FullyConnectedOptions{.activation = activation}, {x, w, b});
}

TensorId ModelBuilder::max_pool_2d(TensorId x, int32_t fh, int32_t fw, WindowSpec s) {
  return emit(OpKind::MaxPool2D,
              Pool2DOptions{.padding = s.padding, .stride_w = s.stride_w, .stride_h = s.stride_h, .filter_w = fw,
                            .filter_h = fh, .activation = s.activation},
              {x});
}

TensorId ModelBuilder::average_pool_2d(TensorId x, int32_t fh, int32_t fw, WindowSpec s) {
  return emit(OpKind::AveragePool2D,
              Pool2DOptions{.padding = s.padding, .stride_w = s.stride_w, .stride_h = s.stride_h, .filter_w = fw,
                            .filter_h = fh, .activation = s.activation},
              {x});
}

TensorId ModelBuilder::mean(TensorId x, std::vector<int32_t> axes, bool keep_dims) {
  const auto n = static_cast<int32_t>(axes.size());
  const TensorId a = int_constant("mean_" + std::to_string(counter_) + "/axes", {n}, axes);
  return emit(OpKind::Mean, ReducerOptions{.keep_dims = keep_dims}, {x, a});
}

TensorId ModelBuilder::reshape(TensorId x, Shape new_shape) {
  const auto n = static_cast<int32_t>(new_shape.size());
  const TensorId s = int_constant("reshape_" + std::to_string(counter_) + "/shape", {n}, new_shape);
  return emit(OpKind::Reshape, ReshapeOptions{.new_shape = new_shape}, {x, s});
}

TensorId ModelBuilder::squeeze(TensorId x, std::vector<int32_t> dims) {
  return emit(OpKind::Squeeze, SqueezeOptions{.squeeze_dims = std::move(dims)}, {x});
}

TensorId ModelBuilder::pad(TensorId x, std::vector<int32_t> paddings) {
  const auto rank = static_cast<int32_t>(paddings.size() / 2);
  const TensorId p = int_constant("pad_" + std::to_string(counter_) + "/paddings", {rank, 2}, paddings);
  return emit(OpKind::Pad, std::monostate{}, {x, p});
}

TensorId ModelBuilder::concatenation(std::vector<TensorId> xs, int32_t axis, Activation activation) {
  return emit(OpKind::Concatenation, ConcatenationOptions{.axis = axis, .activation = activation}, std::move(xs));
}

TensorId ModelBuilder::add(TensorId a, TensorId b, Activation act) {
  return emit(OpKind::Add, ElementwiseOptions{.activation = act}, {a, b});
}
TensorId ModelBuilder::sub(TensorId a, TensorId b, Activation act) {
  return emit(OpKind::Sub, ElementwiseOptions{.activation = act}, {a, b});
}
TensorId ModelBuilder::mul(TensorId a, TensorId b, Activation act) {
  return emit(OpKind::Mul, ElementwiseOptions{.activation = act}, {a, b});
}

TensorId ModelBuilder::softmax(TensorId x, float beta) { return emit(OpKind::Softmax, SoftmaxOptions{.beta = beta}, {x}); }
TensorId ModelBuilder::leaky_relu(TensorId x, float alpha) {
  return emit(OpKind::LeakyRelu, LeakyReluOptions{.alpha = alpha}, {x});
}
TensorId ModelBuilder::unary(OpKind kind, TensorId x) { return emit(kind, std::monostate{}, {x}); }

Expected<Graph> ModelBuilder::finish(std::vector<TensorId> outputs, const std::string& output_name) {
  if (error_) return *error_;
  for (TensorId id : outputs)
    if (id == kNoTensor || static_cast<size_t>(id) >= g_.tensors.size())
      return fail(Errc::BadInput, {}, "output tensor id {} is not valid", id);
  g_.outputs = std::move(outputs);
  if (!output_name.empty() && !g_.outputs.empty()) g_.tensor(g_.outputs[0]).name = output_name;
  if (auto r = g_.validate(); !r) return r.take_error();
  return g_;
}

}  // namespace tinyopt
