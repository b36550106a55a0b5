// ir/shape_inference.cc: output shapes of every supported op (TFLite builtin semantics), one function per kind
// (TRANSPOSE_CONV, SVDF and the LSTM in ir/shape_inference_recurrent.cc).
//
// infer_output_shapes checks the op's arity (ir/op_traits.h), then runs the kind's shape function. Its callers:
// ir/validate.cc (check_op_shapes adds the dtype rules and compares with the stored shapes) and
// train/batching.cc (re-batching, lenient with RESHAPE targets that hard-code the old batch: [1, X] -> [N, X]).
// The strided-slice geometry is exported so the kernels slice exactly as the shapes were inferred; the window
// geometry lives in ir/window_geometry.h.
#include "ir/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/ranges.h>

#include "ir/op_traits.h"
#include "ir/shape_context.h"

namespace tinyopt {
namespace {

using namespace shape_detail;  // ShapeContext and the helpers of ir/shape_context.h


// --- per-kind shape functions --------------------------------------------------------------------------------

Expected<Shape> conv_like_shape(const ShapeContext& c, Padding padding, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                                int32_t kh, int32_t kw, int32_t out_channels) {
  const Shape& x = c.shape(0);
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    return fail(Errc::BadInput, c.at(), "strides ({}, {}) and dilations ({}, {}) must be positive", sh, sw, dh, dw);
  if (kh <= 0 || kw <= 0) return fail(Errc::BadInput, c.at(), "window {}x{} must be positive", kh, kw);
  const int32_t oh = window_output_size(padding, x[1], kh, sh, dh);
  const int32_t ow = window_output_size(padding, x[2], kw, sw, dw);
  if (oh <= 0 || ow <= 0)
    return fail(Errc::BadInput, c.at_input(0), "a {}x{} window (dilation {}x{}) does not fit input {} with {} padding",
                kh, kw, dh, dw, shape_to_string(x), padding_name(padding));
  return Shape{x[0], oh, ow, out_channels};
}

Expected<Shape> conv2d_shape(const ShapeContext& c) {
  auto o = options_of<Conv2DOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 0, 4); !r) return r.take_error();
  if (auto r = need_rank(c, 1, 4); !r) return r.take_error();
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);  // [out_channels, kh, kw, in_channels]
  if (w[3] != x[3])
    return fail(Errc::BadInput, c.at_input(1), "filter {} has {} input channels but the input {} has {}",
                shape_to_string(w), w[3], shape_to_string(x), x[3]);
  if (c.has_input(2) && num_elements(c.shape(2)) != w[0])
    return fail(Errc::BadInput, c.at_input(2), "bias has {} elements but the filter has {} output channels",
                num_elements(c.shape(2)), w[0]);
  return conv_like_shape(c, o->padding, o->stride_h, o->stride_w, o->dilation_h, o->dilation_w, w[1], w[2], w[0]);
}

Expected<Shape> depthwise_shape(const ShapeContext& c) {
  auto o = options_of<DepthwiseConv2DOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 0, 4); !r) return r.take_error();
  if (auto r = need_rank(c, 1, 4); !r) return r.take_error();
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);  // [1, kh, kw, in_channels * depth_multiplier]
  // TFLite derives the multiplier from the filter (out_channels / in_channels); the option must not contradict it.
  if (w[0] != 1 || x[3] <= 0 || w[3] % x[3] != 0)
    return fail(Errc::BadInput, c.at_input(1), "filter {} does not fit input {} (want [1, kh, kw, C * multiplier])",
                shape_to_string(w), shape_to_string(x));
  if (c.has_input(2) && num_elements(c.shape(2)) != w[3])
    return fail(Errc::BadInput, c.at_input(2), "bias has {} elements but the filter has {} output channels",
                num_elements(c.shape(2)), w[3]);
  return conv_like_shape(c, o->padding, o->stride_h, o->stride_w, o->dilation_h, o->dilation_w, w[1], w[2], w[3]);
}

Expected<Shape> fully_connected_shape(const ShapeContext& c) {
  auto o = options_of<FullyConnectedOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 1, 2); !r) return r.take_error();
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);  // [units, depth]
  const int64_t n = num_elements(x);
  if (w[1] <= 0 || n % w[1] != 0)
    return fail(Errc::BadInput, c.at_input(0), "input {} has {} elements, not a multiple of the weights' depth {}",
                shape_to_string(x), n, w[1]);
  if (c.has_input(2) && num_elements(c.shape(2)) != w[0])
    return fail(Errc::BadInput, c.at_input(2), "bias has {} elements but the weights have {} units",
                num_elements(c.shape(2)), w[0]);
  if (o->keep_num_dims) {
    if (x.empty() || x.back() != w[1])
      return fail(Errc::BadInput, c.at_input(0), "keep_num_dims needs the last input dimension ({}) to equal depth {}",
                  shape_to_string(x), w[1]);
    Shape out = x;
    out.back() = w[0];
    return out;
  }
  return Shape{static_cast<int32_t>(n / w[1]), w[0]};
}

// NumPy broadcasting: align from the right; each pair of dimensions is equal or one of them is 1.
Expected<Shape> broadcast_shape(const ShapeContext& c) {
  const Shape& a = c.shape(0);
  const Shape& b = c.shape(1);
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int32_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int32_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return fail(Errc::BadInput, c.at_input(1), "shapes {} and {} cannot be broadcast", shape_to_string(a),
                  shape_to_string(b));
    out[out.size() - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

Expected<Shape> pool_shape(const ShapeContext& c) {
  auto o = options_of<Pool2DOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 0, 4); !r) return r.take_error();
  return conv_like_shape(c, o->padding, o->stride_h, o->stride_w, 1, 1, o->filter_h, o->filter_w, c.shape(0)[3]);
}

Expected<Shape> mean_shape(const ShapeContext& c) {
  auto o = options_of<ReducerOptions>(c);
  if (!o) return o.take_error();
  auto axes = constant_ints(c, 1, "axes");
  if (!axes) return axes.take_error();
  const Shape& x = c.shape(0);
  std::vector<bool> reduced(x.size(), false);
  for (int64_t a : *axes) {
    auto axis = normalize_axis(c, 1, a, x.size());
    if (!axis) return axis.take_error();
    reduced[static_cast<size_t>(*axis)] = true;
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!reduced[i]) out.push_back(x[i]);
    else if (o->keep_dims) out.push_back(1);
  }
  return out;
}

// Resolves one -1 in `target` against `count` elements. `lenient_batch`: a target whose fixed part does not
// match may have its dimension 0 rescaled (the batch hard-coded as 1 by the converter).
Expected<Shape> resolve_reshape(const ShapeContext& c, std::vector<int64_t> target, int64_t count) {
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (unknown >= 0) return fail(Errc::BadInput, c.at(), "new shape has more than one -1");
      unknown = static_cast<int>(i);
    } else if (target[i] < 0 || target[i] > kMaxTensorElements) {
      return fail(Errc::BadInput, c.at(), "new shape has an invalid dimension {}", target[i]);
    } else {
      known *= target[i];
      if (known > kMaxTensorElements) return fail(Errc::BadInput, c.at(), "new shape has too many elements");
    }
  }
  if (unknown >= 0) {
    if (known == 0 || count % known != 0)
      return fail(Errc::BadInput, c.at_input(0), "cannot reshape {} elements with a -1 dimension and {} others",
                  count, known);
    target[static_cast<size_t>(unknown)] = count / known;
  } else if (known != count) {
    const int64_t rest = target.empty() || target[0] == 0 ? 0 : known / target[0];
    if (c.lenient_batch && rest > 0 && count % rest == 0) {
      target[0] = count / rest;
    } else {
      return fail(Errc::BadInput, c.at_input(0), "cannot reshape {} ({} elements) to [{}]",
                  shape_to_string(c.shape(0)), count, fmt::join(target, ","));
    }
  }
  return Shape(target.begin(), target.end());
}

Expected<Shape> reshape_shape(const ShapeContext& c) {
  auto o = options_of<ReshapeOptions>(c);
  if (!o) return o.take_error();
  const int64_t count = num_elements(c.shape(0));
  // TFLite takes the shape from a constant input 1 when present, else the new_shape option.
  if (c.has_input(1) && c.in(1).is_constant && c.shape(1).size() == 1) {
    auto v = constant_ints(c, 1, "shape");
    if (!v) return v.take_error();
    return resolve_reshape(c, std::move(*v), count);
  }
  if (!o->new_shape.empty()) return resolve_reshape(c, {o->new_shape.begin(), o->new_shape.end()}, count);
  if (c.has_input(1) && !c.in(1).is_constant)
    return fail(Errc::Unsupported, c.at_input(1), "shape must be a constant tensor");
  const Shape& stored = c.g.tensor(c.op.outputs[0]).shape;  // neither given: the converter's stored shape
  return resolve_reshape(c, {stored.begin(), stored.end()}, count);
}

Expected<Shape> squeeze_shape(const ShapeContext& c) {
  auto o = options_of<SqueezeOptions>(c);
  if (!o) return o.take_error();
  const Shape& x = c.shape(0);
  std::vector<bool> drop(x.size(), false);
  if (o->squeeze_dims.empty()) {
    for (size_t i = 0; i < x.size(); ++i) drop[i] = x[i] == 1;
  }
  for (int32_t d : o->squeeze_dims) {
    auto axis = normalize_axis(c, 0, d, x.size());
    if (!axis) return axis.take_error();
    if (x[static_cast<size_t>(*axis)] != 1)
      return fail(Errc::BadInput, c.at_input(0), "cannot squeeze dimension {} of size {} in {}", *axis,
                  x[static_cast<size_t>(*axis)], shape_to_string(x));
    drop[static_cast<size_t>(*axis)] = true;
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) if (!drop[i]) out.push_back(x[i]);
  return out;
}

Expected<Shape> pad_shape(const ShapeContext& c) {
  auto p = constant_ints(c, 1, "paddings");
  if (!p) return p.take_error();
  const Shape& x = c.shape(0);
  if (c.shape(1) != Shape{static_cast<int32_t>(x.size()), 2})
    return fail(Errc::BadInput, c.at_input(1), "paddings have shape {}, expected [{},2] for input {}",
                shape_to_string(c.shape(1)), x.size(), shape_to_string(x));
  Shape out = x;
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t before = (*p)[2 * i], after = (*p)[2 * i + 1];
    const int64_t d = x[i] + before + after;
    if (before < 0 || after < 0 || d > kMaxTensorElements)
      return fail(Errc::BadInput, c.at_input(1), "invalid padding ({}, {}) of dimension {}", before, after, i);
    out[i] = static_cast<int32_t>(d);
  }
  return out;
}

Expected<Shape> concatenation_shape(const ShapeContext& c) {
  auto o = options_of<ConcatenationOptions>(c);
  if (!o) return o.take_error();
  const Shape& first = c.shape(0);
  auto axis = normalize_axis(c, 0, o->axis, first.size());
  if (!axis) return axis.take_error();
  const auto a = static_cast<size_t>(*axis);
  Shape out = first;
  int64_t total = first[a];
  for (size_t i = 1; i < c.op.inputs.size(); ++i) {
    const Shape& s = c.shape(i);
    bool ok = s.size() == first.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = d == a || s[d] == first[d];
    if (!ok)
      return fail(Errc::BadInput, c.at_input(i), "shape {} does not match {} outside axis {}", shape_to_string(s),
                  shape_to_string(first), a);
    total += s[a];
  }
  if (total > kMaxTensorElements) return fail(Errc::BadInput, c.at(), "concatenated dimension is too large");
  out[a] = static_cast<int32_t>(total);
  return out;
}

Expected<Shape> transpose_shape(const ShapeContext& c) {
  auto perm = constant_ints(c, 1, "perm");
  if (!perm) return perm.take_error();
  const Shape& x = c.shape(0);
  if (perm->size() != x.size())
    return fail(Errc::BadInput, c.at_input(1), "perm has {} entries for an input of rank {}", perm->size(), x.size());
  Shape out(x.size());
  std::vector<bool> seen(x.size(), false);
  for (size_t i = 0; i < x.size(); ++i) {
    auto axis = normalize_axis(c, 1, (*perm)[i], x.size());
    if (!axis) return axis.take_error();
    if (seen[static_cast<size_t>(*axis)])
      return fail(Errc::BadInput, c.at_input(1), "perm repeats axis {}", *axis);
    seen[static_cast<size_t>(*axis)] = true;
    out[i] = x[static_cast<size_t>(*axis)];
  }
  return out;
}

Expected<Shape> strided_slice_shape(const ShapeContext& c) {
  auto axes = strided_slice_axes(c.g, c.index);
  if (!axes) return axes.take_error();
  Shape out;
  for (const SliceAxis& s : *axes) if (!s.shrink) out.push_back(s.size);
  return out;
}


Expected<Shape> infer_one(const ShapeContext& c) {
  switch (c.op.kind) {
    case OpKind::Conv2D: return conv2d_shape(c);
    case OpKind::DepthwiseConv2D: return depthwise_shape(c);
    case OpKind::FullyConnected: return fully_connected_shape(c);
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: return broadcast_shape(c);
    case OpKind::AveragePool2D: case OpKind::MaxPool2D: return pool_shape(c);
    case OpKind::Mean: return mean_shape(c);
    case OpKind::Reshape: return reshape_shape(c);
    case OpKind::Squeeze: return squeeze_shape(c);
    case OpKind::Pad: return pad_shape(c);
    case OpKind::Concatenation: return concatenation_shape(c);
    case OpKind::Transpose: return transpose_shape(c);
    case OpKind::StridedSlice: return strided_slice_shape(c);
    case OpKind::Softmax: case OpKind::Logistic: case OpKind::Tanh: case OpKind::Relu: case OpKind::Relu6:
    case OpKind::LeakyRelu: case OpKind::HardSwish: case OpKind::Quantize: case OpKind::Dequantize:
      return c.shape(0);
    case OpKind::TransposeConv: return transpose_conv_shape(c);
    case OpKind::Svdf: return svdf_shape(c);
    case OpKind::SequenceLstm: return sequence_lstm_shape(c);
    case OpKind::Decode:  // the decoded shape is the output tensor's own; check_decode relates it to the inputs
      return c.g.tensor(c.op.outputs[0]).shape;
  }
  return fail(Errc::Internal, c.at(), "no shape rule for this op kind");
}

// The op passed check_op_arity.
Expected<std::vector<Shape>> infer_with(const ShapeContext& c) {
  auto s = infer_one(c);
  if (!s) return s.take_error();
  if (!checked_num_elements(*s))
    return fail(Errc::BadInput, c.at(c.op.outputs[0]), "inferred output shape {} is invalid or too large",
                shape_to_string(*s));
  return std::vector<Shape>{std::move(*s)};
}

}  // namespace

Expected<std::vector<SliceAxis>> strided_slice_axes(const Graph& g, int op_index) {
  if (auto ok = check_op_arity(g, op_index); !ok) return ok.take_error();
  const ShapeContext c{{g, op_index, g.ops[static_cast<size_t>(op_index)]}};
  auto o = options_of<StridedSliceOptions>(c);
  if (!o) return o.take_error();
  if (o->ellipsis_mask != 0 || o->new_axis_mask != 0)
    return fail(Errc::Unsupported, c.at(), "ellipsis_mask and new_axis_mask are not supported (got {} and {})",
                o->ellipsis_mask, o->new_axis_mask);
  auto begin = constant_ints(c, 1, "begin");
  if (!begin) return begin.take_error();
  auto end = constant_ints(c, 2, "end");
  if (!end) return end.take_error();
  auto strides = constant_ints(c, 3, "strides");
  if (!strides) return strides.take_error();
  const Shape& x = c.shape(0);
  if (begin->size() != end->size() || begin->size() != strides->size() || begin->size() > x.size())
    return fail(Errc::BadInput, c.at_input(1), "begin/end/strides have {}/{}/{} entries for an input of rank {}",
                begin->size(), end->size(), strides->size(), x.size());
  std::vector<SliceAxis> axes(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    SliceAxis& s = axes[i];
    const int64_t dim = x[i];
    if (i >= begin->size()) {  // not covered by begin/end: the whole axis
      s = {0, static_cast<int32_t>(dim), 1, static_cast<int32_t>(dim), false};
      continue;
    }
    const int64_t stride = (*strides)[i];
    if (stride == 0) return fail(Errc::BadInput, c.at_input(3), "stride of axis {} is 0", i);
    const bool up = stride > 0;
    const auto bit = int64_t{1} << i;
    // TFLite StartForAxis: mask -> the first element in stride direction; negative -> from the end; clamp.
    int64_t start = (*begin)[i];
    if (o->begin_mask & bit) start = up ? std::numeric_limits<int32_t>::lowest() : std::numeric_limits<int32_t>::max();
    if (start < 0) start += dim;
    start = up ? std::clamp<int64_t>(start, 0, dim) : std::clamp<int64_t>(start, -1, dim - 1);
    s.shrink = (o->shrink_axis_mask & bit) != 0;
    int64_t stop = (*end)[i];
    if (s.shrink) {
      // The end does not matter for a shrunk axis: always one element at begin (TFLite, issue #19260).
      if (start < 0 || start >= dim)
        return fail(Errc::BadInput, c.at_input(1), "shrunk axis {} index {} is outside dimension {}", i, (*begin)[i], dim);
      stop = start + 1;
    } else {
      if (o->offset) stop += start;  // offset: end is relative to begin
      if (o->end_mask & bit) stop = up ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::lowest();
      if (stop < 0) stop += dim;
      stop = up ? std::clamp<int64_t>(stop, 0, dim) : std::clamp<int64_t>(stop, -1, dim - 1);
    }
    if (dim == 0) start = stop = 0;
    const int64_t span = stop - start;
    int64_t size = up ? (span + stride - 1) / stride : (span + stride + 1) / stride;  // ceil(span / stride)
    if (span == 0 || (span > 0) != up) size = 0;
    s.start = static_cast<int32_t>(start);
    s.stop = static_cast<int32_t>(stop);
    s.stride = static_cast<int32_t>(stride);
    s.size = static_cast<int32_t>(std::max<int64_t>(size, 0));
  }
  return axes;
}

Expected<std::vector<Shape>> infer_output_shapes(const Graph& g, int op_index, ReshapeTargets targets) {
  if (auto ok = check_op_arity(g, op_index); !ok) return ok.take_error();
  ShapeContext c{{g, op_index, g.ops[static_cast<size_t>(op_index)]}};
  c.lenient_batch = targets == ReshapeTargets::LenientBatch;
  return infer_with(c);
}

}  // namespace tinyopt
