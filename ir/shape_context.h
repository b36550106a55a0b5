// ir/shape_context.h: what the shape functions of ir/shape_inference.cc and ir/shape_inference_recurrent.cc share
// (private to them): the op seen as a ShapeContext, its options, constant integer inputs and rank checks.
#pragma once

#include <vector>

#include "ir/op_context.h"
#include "ir/shape_inference.h"

namespace tinyopt::shape_detail {

// An op seen by the shape functions (ir/op_context.h), and how RESHAPE targets are matched.
struct ShapeContext : OpContext {
  bool lenient_batch = false;  // ReshapeTargets::LenientBatch: a RESHAPE target may carry the old batch in dimension 0
};

template <class T>
Expected<T> options_of(const ShapeContext& c) {
  if (std::holds_alternative<std::monostate>(c.op.options)) return T{};  // schema defaults
  if (const T* o = std::get_if<T>(&c.op.options)) return *o;
  return fail(Errc::Internal, c.at(), "op holds options of the wrong kind");
}

// Values of a constant int32/int64 input (axes, shapes, paddings, permutations, slice bounds).
inline Expected<std::vector<int64_t>> constant_ints(const ShapeContext& c, size_t i, const char* what) {
  if (!c.has_input(i)) return fail(Errc::BadInput, c.at(), "{} input (#{}) is missing", what, i);
  const Tensor& t = c.in(i);
  if (!t.is_constant)
    return fail(Errc::Unsupported, c.at_input(i), "{} must be a constant tensor (computed {} are not supported)",
                what, what);
  std::vector<int64_t> v;
  if (t.dtype == DType::Int32) for (int32_t x : t.values<int32_t>()) v.push_back(x);
  else if (t.dtype == DType::Int64) for (int64_t x : t.values<int64_t>()) v.push_back(x);
  else return fail(Errc::BadInput, c.at_input(i), "{} has dtype {}, expected int32 or int64", what, dtype_name(t.dtype));
  return v;
}

inline Expected<int32_t> normalize_axis(const ShapeContext& c, size_t tensor_input, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return fail(Errc::BadInput, c.at_input(tensor_input), "axis {} is out of range for rank {}", axis, rank);
  return static_cast<int32_t>(axis < 0 ? axis + r : axis);
}

inline Expected<void> need_rank(const ShapeContext& c, size_t i, size_t rank) {
  if (c.shape(i).size() != rank)
    return fail(Errc::BadInput, c.at_input(i), "expected a rank-{} tensor, got shape {}", rank,
                shape_to_string(c.shape(i)));
  return {};
}

// The recurrent and transposed-convolution ops (ir/shape_inference_recurrent.cc).
Expected<Shape> transpose_conv_shape(const ShapeContext& c);
Expected<Shape> svdf_shape(const ShapeContext& c);
Expected<Shape> sequence_lstm_shape(const ShapeContext& c);

}  // namespace tinyopt::shape_detail
