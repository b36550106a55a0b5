// formats/onnx/constant_folding.cc: the evaluators of constant_folding.h, one small function per op.
#include "formats/onnx/constant_folding.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "formats/onnx/importer.h"

namespace tinyopt::onnx_format {
namespace {

using Ints = std::vector<int64_t>;

struct Ctx {
  const onnx::NodeProto& n;
  const std::vector<const HostTensor*>& in;
  const std::vector<Ints>& shapes;
  int64_t opset;
  const Location& where;

  template <class... Args> Error error(fmt::format_string<Args...> f, Args&&... args) const {
    return Error{Errc::BadInput, where, fmt::format("node '{}': {}", n.name(), fmt::format(f, std::forward<Args>(args)...))};
  }
  const HostTensor* input(size_t k) const { return k < in.size() ? in[k] : nullptr; }
};

using Result = Expected<std::vector<HostTensor>>;

int64_t count_of(const Ints& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Row-major strides of `dims`.
Ints strides_of(const Ints& dims) {
  Ints s(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) s[d - 1] = s[d] * dims[d];
  return s;
}

// A tensor of the same kind as `like`, shaped `dims`, with element k taken from `like`'s element src(k).
HostTensor gather_elements(const HostTensor& like, Ints dims, const std::function<size_t(size_t)>& src) {
  HostTensor out;
  out.is_float = like.is_float;
  out.dims = std::move(dims);
  const auto n = static_cast<size_t>(count_of(out.dims));
  if (out.is_float) { out.f.resize(n); for (size_t k = 0; k < n; ++k) out.f[k] = like.f[src(k)]; }
  else { out.i.resize(n); for (size_t k = 0; k < n; ++k) out.i[k] = like.i[src(k)]; }
  return out;
}

Expected<int64_t> normalize_axis(const Ctx& c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return c.error("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

Result fold_constant(const Ctx& c) {
  for (const auto& a : c.n.attribute()) {
    HostTensor h;
    if (a.name() == "value") {
      auto t = read_tensor_proto(a.t(), c.where);
      if (!t) return t.take_error();
      return std::vector<HostTensor>{std::move(*t)};
    }
    if (a.name() == "value_float") { h.f = {a.f()}; return std::vector<HostTensor>{h}; }
    if (a.name() == "value_floats") { h.f.assign(a.floats().begin(), a.floats().end()); h.dims = {static_cast<int64_t>(h.f.size())}; return std::vector<HostTensor>{h}; }
    if (a.name() == "value_int") { h.is_float = false; h.i = {a.i()}; return std::vector<HostTensor>{h}; }
    if (a.name() == "value_ints") { h.is_float = false; h.i.assign(a.ints().begin(), a.ints().end()); h.dims = {static_cast<int64_t>(h.i.size())}; return std::vector<HostTensor>{h}; }
  }
  return Error{Errc::Unsupported, c.where, fmt::format("node '{}': Constant without a value, value_float(s) or value_int(s) attribute is not supported", c.n.name())};
}

Result fold_cast(const Ctx& c) {
  HostTensor out = *c.input(0);
  const int64_t to = attr_int(c.n, "to", onnx::TensorProto::FLOAT);
  const bool to_float = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE;
  if (to_float && !out.is_float) { out.f = out.floats(); out.i.clear(); out.is_float = true; }
  if (!to_float && out.is_float) { out.i = out.ints(); out.f.clear(); out.is_float = false; }
  if (to == onnx::TensorProto::BOOL) for (int64_t& v : out.i) v = v != 0;
  return std::vector<HostTensor>{out};
}

Result fold_shape(const Ctx& c) {
  Ints dims = c.shapes.at(0);
  const auto rank = static_cast<int64_t>(dims.size());
  int64_t start = attr_int(c.n, "start", 0), end = attr_int(c.n, "end", rank);  // opset 15
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  HostTensor out;
  out.is_float = false;
  out.i.assign(dims.begin() + start, dims.begin() + end);
  out.dims = {static_cast<int64_t>(out.i.size())};
  return std::vector<HostTensor>{out};
}

Result fold_gather(const Ctx& c) {
  const HostTensor& data = *c.input(0);
  const HostTensor& idx = *c.input(1);
  const auto rank = static_cast<int64_t>(data.dims.size());
  if (rank == 0) return c.error("Gather of a scalar");
  auto axis = normalize_axis(c, attr_int(c.n, "axis", 0), rank);
  if (!axis) return axis.take_error();
  const int64_t len = data.dims[static_cast<size_t>(*axis)];
  Ints indices = idx.ints();
  for (int64_t& v : indices) {
    if (v < -len || v >= len) return c.error("Gather index {} is out of range [{}, {})", v, -len, len);
    if (v < 0) v += len;
  }
  Ints dims(data.dims.begin(), data.dims.begin() + *axis);
  dims.insert(dims.end(), idx.dims.begin(), idx.dims.end());
  dims.insert(dims.end(), data.dims.begin() + *axis + 1, data.dims.end());
  if (count_of(dims) > kMaxFoldedElements) return c.error("folded Gather is too large");
  const int64_t inner = count_of(Ints(data.dims.begin() + *axis + 1, data.dims.end()));
  const auto ni = static_cast<int64_t>(indices.size());
  return std::vector<HostTensor>{gather_elements(data, dims, [&](size_t k) {
    const auto kk = static_cast<int64_t>(k);
    const int64_t o = kk / (ni * inner), j = (kk / inner) % ni, r = kk % inner;
    return static_cast<size_t>((o * len + indices[static_cast<size_t>(j)]) * inner + r);
  })};
}

// The axes of Squeeze/Unsqueeze/ReduceX: attribute before opset 13, input 1 from 13.
Expected<std::optional<Ints>> axes_of(const Ctx& c) {
  if (auto a = attr_ints(c.n, "axes")) return std::optional<Ints>(*a);
  if (const HostTensor* t = c.input(1)) return std::optional<Ints>(t->ints());
  return std::optional<Ints>{};
}

Result fold_unsqueeze(const Ctx& c) {
  auto axes = axes_of(c);
  if (!axes) return axes.take_error();
  if (!*axes) return c.error("Unsqueeze without axes");
  HostTensor out = *c.input(0);
  const auto rank = static_cast<int64_t>(out.dims.size() + (*axes)->size());
  Ints norm;
  for (int64_t a : **axes) {
    auto n = normalize_axis(c, a, rank);
    if (!n) return n.take_error();
    norm.push_back(*n);
  }
  std::sort(norm.begin(), norm.end());
  for (int64_t a : norm) out.dims.insert(out.dims.begin() + std::min<int64_t>(a, static_cast<int64_t>(out.dims.size())), 1);
  return std::vector<HostTensor>{out};
}

Result fold_squeeze(const Ctx& c) {
  auto axes = axes_of(c);
  if (!axes) return axes.take_error();
  HostTensor out = *c.input(0);
  const auto rank = static_cast<int64_t>(out.dims.size());
  std::vector<bool> drop(out.dims.size(), false);
  if (!*axes) {
    for (size_t d = 0; d < out.dims.size(); ++d) drop[d] = out.dims[d] == 1;
  } else {
    for (int64_t a : **axes) {
      auto n = normalize_axis(c, a, rank);
      if (!n) return n.take_error();
      if (out.dims[static_cast<size_t>(*n)] != 1) return c.error("Squeeze axis {} has size {}", a, out.dims[static_cast<size_t>(*n)]);
      drop[static_cast<size_t>(*n)] = true;
    }
  }
  Ints dims;
  for (size_t d = 0; d < out.dims.size(); ++d) if (!drop[d]) dims.push_back(out.dims[d]);
  out.dims = dims;
  return std::vector<HostTensor>{out};
}

Result fold_concat(const Ctx& c) {
  const HostTensor& first = *c.input(0);
  const auto rank = static_cast<int64_t>(first.dims.size());
  if (rank == 0) return c.error("Concat of scalars");
  auto axis = normalize_axis(c, attr_int(c.n, "axis", 0), rank);
  if (!axis) return axis.take_error();
  const auto ax = static_cast<size_t>(*axis);
  Ints dims = first.dims;
  dims[ax] = 0;
  bool any_float = false;
  for (const HostTensor* t : c.in) {
    if (!t || t->dims.size() != first.dims.size()) return c.error("Concat inputs differ in rank");
    for (size_t d = 0; d < dims.size(); ++d)
      if (d != ax && t->dims[d] != first.dims[d]) return c.error("Concat inputs differ in dimension {}", d);
    dims[ax] += t->dims[ax];
    any_float = any_float || t->is_float;
    if (count_of(dims) > kMaxFoldedElements) return c.error("folded Concat is too large");
  }
  HostTensor out;
  out.is_float = any_float;
  out.dims = dims;
  const int64_t outer = count_of(Ints(dims.begin(), dims.begin() + *axis));
  const int64_t inner = count_of(Ints(dims.begin() + *axis + 1, dims.end()));
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor* t : c.in) {
      const int64_t chunk = t->dims[ax] * inner;
      for (int64_t k = 0; k < chunk; ++k) {
        const auto src = static_cast<size_t>(o * chunk + k);
        if (any_float) out.f.push_back(static_cast<float>(t->at(src)));
        else out.i.push_back(t->i[src]);
      }
    }
  return std::vector<HostTensor>{out};
}

Result fold_reshape(const Ctx& c) {
  HostTensor out = *c.input(0);
  auto shape = resolve_reshape(c.n, out.dims, c.input(1)->ints(), c.where);
  if (!shape) return shape.take_error();
  out.dims = *shape;
  return std::vector<HostTensor>{out};
}

Result fold_flatten(const Ctx& c) {
  HostTensor out = *c.input(0);
  const auto rank = static_cast<int64_t>(out.dims.size());
  int64_t axis = attr_int(c.n, "axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return c.error("Flatten axis {} is out of range", axis);
  out.dims = {count_of(Ints(out.dims.begin(), out.dims.begin() + axis)), count_of(Ints(out.dims.begin() + axis, out.dims.end()))};
  return std::vector<HostTensor>{out};
}

// Numpy-style broadcast of two shapes.
Expected<Ints> broadcast_dims(const Ctx& c, const Ints& a, const Ints& b) {
  const size_t r = std::max(a.size(), b.size());
  Ints out(r);
  for (size_t d = 0; d < r; ++d) {
    const int64_t x = d + a.size() >= r ? a[d + a.size() - r] : 1;
    const int64_t y = d + b.size() >= r ? b[d + b.size() - r] : 1;
    if (x != y && x != 1 && y != 1) return c.error("shapes [{}] and [{}] do not broadcast", fmt::join(a, ","), fmt::join(b, ","));
    out[d] = x == 1 ? y : x;
  }
  return out;
}

// Element index into a tensor of `dims` (right-aligned under `out`) for the output's multi-index of `k`.
size_t broadcast_source(const Ints& out, const Ints& dims, size_t k) {
  size_t src = 0, stride = 1;
  auto rem = static_cast<int64_t>(k);
  for (size_t d = out.size(); d-- > 0;) {
    const int64_t pos = rem % out[d];
    rem /= out[d];
    const size_t off = out.size() - dims.size();
    if (d >= off) {
      const int64_t size = dims[d - off];
      if (size != 1) src += static_cast<size_t>(pos) * stride;
      stride *= static_cast<size_t>(size);
    }
  }
  return src;
}

Result fold_binary(const Ctx& c) {
  const HostTensor& a = *c.input(0);
  const HostTensor& b = *c.input(1);
  auto dims = broadcast_dims(c, a.dims, b.dims);
  if (!dims) return dims.take_error();
  if (count_of(*dims) > kMaxFoldedElements) return c.error("folded result is too large");
  const std::string& op = c.n.op_type();
  HostTensor out;
  out.is_float = a.is_float || b.is_float;
  out.dims = *dims;
  const auto n = static_cast<size_t>(count_of(*dims));
  for (size_t k = 0; k < n; ++k) {
    const size_t ia = broadcast_source(*dims, a.dims, k), ib = broadcast_source(*dims, b.dims, k);
    if (out.is_float) {
      const double x = a.at(ia), y = b.at(ib);
      out.f.push_back(static_cast<float>(op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : x / y));
    } else {
      const int64_t x = a.i[ia], y = b.i[ib];
      if (op == "Div" && y == 0) return c.error("integer division by zero");
      // Wrapping arithmetic: shape values are small; a hostile file must not make this undefined behaviour.
      const auto ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
      const uint64_t r = op == "Add" ? ux + uy : op == "Sub" ? ux - uy : op == "Mul" ? ux * uy
                         : (x == INT64_MIN && y == -1) ? ux : static_cast<uint64_t>(x / y);
      out.i.push_back(static_cast<int64_t>(r));
    }
  }
  return std::vector<HostTensor>{out};
}

Result fold_constant_of_shape(const Ctx& c) {
  const Ints dims = c.input(0)->ints();
  auto n = checked_count(dims, c.where, "ConstantOfShape '" + c.n.name() + "'", kMaxFoldedElements);
  if (!n) return n.take_error();
  HostTensor out;
  out.dims = dims;
  double value = 0;
  if (const onnx::AttributeProto* a = find_attr(c.n, "value")) {
    auto t = read_tensor_proto(a->t(), c.where);
    if (!t) return t.take_error();
    if (t->size() != 1) return c.error("ConstantOfShape value must have one element");
    out.is_float = t->is_float;
    value = t->at(0);
  }
  if (out.is_float) out.f.assign(static_cast<size_t>(*n), static_cast<float>(value));
  else out.i.assign(static_cast<size_t>(*n), static_cast<int64_t>(value));
  return std::vector<HostTensor>{out};
}

Result fold_slice(const Ctx& c) {
  const HostTensor& data = *c.input(0);
  const auto rank = static_cast<int64_t>(data.dims.size());
  if (!c.input(1) || !c.input(2)) return c.error("Slice needs starts and ends inputs");
  const Ints starts = c.input(1)->ints(), ends = c.input(2)->ints();
  Ints axes, steps;
  if (c.input(3)) axes = c.input(3)->ints();
  else for (size_t d = 0; d < starts.size(); ++d) axes.push_back(static_cast<int64_t>(d));
  if (c.input(4)) steps = c.input(4)->ints();
  else steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return c.error("Slice starts, ends, axes and steps differ in length");
  Ints begin(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1), dims = data.dims;
  for (size_t j = 0; j < starts.size(); ++j) {
    auto ax = normalize_axis(c, axes[j], rank);
    if (!ax) return ax.take_error();
    const auto d = static_cast<size_t>(*ax);
    const int64_t len = data.dims[d], s = steps[j];
    if (s == 0) return c.error("Slice step 0");
    // ONNX Slice: negative starts/ends count from the end, then clamp to [0, len] (step > 0) or [-1, len-1].
    int64_t b = starts[j] < 0 ? std::max<int64_t>(starts[j], -len) + len : starts[j];
    int64_t e = ends[j] < 0 ? std::max<int64_t>(ends[j], -len - 1) + len : ends[j];
    if (s > 0) { b = std::clamp<int64_t>(b, 0, len); e = std::clamp<int64_t>(e, 0, len); }
    else { b = std::clamp<int64_t>(b, -1, len - 1); e = std::clamp<int64_t>(e, -1, len - 1); }
    const int64_t count = s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e - s - 1) / -s : 0);
    begin[d] = b;
    step[d] = s;
    dims[d] = count;
  }
  const Ints in_strides = strides_of(data.dims);
  return std::vector<HostTensor>{gather_elements(data, dims, [&](size_t k) {
    auto rem = static_cast<int64_t>(k);
    int64_t src = 0;
    for (size_t d = dims.size(); d-- > 0;) {
      const int64_t pos = rem % dims[d];
      rem /= dims[d];
      src += (begin[d] + pos * step[d]) * in_strides[d];
    }
    return static_cast<size_t>(src);
  })};
}

Result fold_transpose(const Ctx& c) {
  const HostTensor& data = *c.input(0);
  const size_t rank = data.dims.size();
  Ints perm;
  if (auto p = attr_ints(c.n, "perm")) perm = *p;
  else for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<bool> seen(rank, false);
  if (perm.size() != rank) return c.error("Transpose perm has {} entries for rank {}", perm.size(), rank);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) return c.error("Transpose perm is not a permutation");
    seen[static_cast<size_t>(p)] = true;
  }
  Ints dims(rank);
  for (size_t d = 0; d < rank; ++d) dims[d] = data.dims[static_cast<size_t>(perm[d])];
  const Ints in_strides = strides_of(data.dims);
  return std::vector<HostTensor>{gather_elements(data, dims, [&](size_t k) {
    auto rem = static_cast<int64_t>(k);
    int64_t src = 0;
    for (size_t d = rank; d-- > 0;) {
      src += (rem % dims[d]) * in_strides[static_cast<size_t>(perm[d])];
      rem /= dims[d];
    }
    return static_cast<size_t>(src);
  })};
}

Result fold_identity(const Ctx& c) { return std::vector<HostTensor>{*c.input(0)}; }

Result fold_neg(const Ctx& c) {
  HostTensor out = *c.input(0);
  for (float& v : out.f) v = -v;
  for (int64_t& v : out.i) v = static_cast<int64_t>(0 - static_cast<uint64_t>(v));
  return std::vector<HostTensor>{out};
}

Result fold_sqrt(const Ctx& c) {
  HostTensor out = *c.input(0);
  out.f = out.floats();
  out.i.clear();
  out.is_float = true;
  for (float& v : out.f) v = std::sqrt(v);
  return std::vector<HostTensor>{out};
}

struct Folder {
  std::string_view op;
  Result (*fn)(const Ctx&);
  int required_inputs;
};

const Folder kFolders[] = {
    {"Add", fold_binary, 2},       {"Cast", fold_cast, 1},      {"Concat", fold_concat, 1},
    {"Constant", fold_constant, 0}, {"ConstantOfShape", fold_constant_of_shape, 1},
    {"Div", fold_binary, 2},       {"Dropout", fold_identity, 1}, {"Flatten", fold_flatten, 1},
    {"Gather", fold_gather, 2},    {"Identity", fold_identity, 1}, {"Mul", fold_binary, 2},
    {"Neg", fold_neg, 1},          {"Reshape", fold_reshape, 2}, {"Shape", fold_shape, 0},
    {"Slice", fold_slice, 3},      {"Sqrt", fold_sqrt, 1},      {"Squeeze", fold_squeeze, 1},
    {"Sub", fold_binary, 2},       {"Transpose", fold_transpose, 1}, {"Unsqueeze", fold_unsqueeze, 1},
};

}  // namespace

bool is_foldable_op(std::string_view op_type) {
  return std::any_of(std::begin(kFolders), std::end(kFolders), [&](const Folder& f) { return f.op == op_type; });
}

Expected<std::vector<HostTensor>> evaluate_constant_node(const onnx::NodeProto& n,
                                                         const std::vector<const HostTensor*>& inputs,
                                                         const std::vector<std::vector<int64_t>>& input_shapes,
                                                         int64_t opset, const Location& where) {
  const Ctx c{n, inputs, input_shapes, opset, where};
  for (const Folder& f : kFolders) {
    if (f.op != n.op_type()) continue;
    for (int k = 0; k < f.required_inputs; ++k)
      if (!c.input(static_cast<size_t>(k))) return c.error("{} needs input {}", n.op_type(), k);
    if (n.op_type() == "Shape" && input_shapes.empty()) return c.error("Shape needs an input");
    return f.fn(c);
  }
  return Error{Errc::Internal, where, fmt::format("node '{}': {} is not foldable", n.name(), n.op_type())};
}

}  // namespace tinyopt::onnx_format
