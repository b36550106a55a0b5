// formats/onnx/importer_graph.cc: building the Graph for the importer (importer.h): constants, ops with inferred
// shapes, fused activations, and the layout changes (materialize, reshape_to, broadcast constants).
#include <algorithm>
#include <numeric>

#include "formats/onnx/importer.h"
#include "ir/op_traits.h"
#include "ir/shape_inference.h"

namespace tinyopt::onnx_format {
namespace {

using Ints = std::vector<int64_t>;

constexpr int32_t kNchwToNhwc[4] = {0, 2, 3, 1};  // NHWC dim d is NCHW dim kNchwToNhwc[d]
constexpr int32_t kNhwcToNchw[4] = {0, 3, 1, 2};

// True when NCHW dims `d` hold their elements in the same order as the NHWC layout of them: the axes of size
// other than 1 appear in the same relative order (then a TRANSPOSE between the two moves no data).
bool same_order_as_nhwc(const Ints& d) {
  std::vector<int> nchw, nhwc;
  for (int a = 0; a < 4; ++a) if (d[static_cast<size_t>(a)] != 1) nchw.push_back(a);
  for (int a : kNchwToNhwc) if (d[static_cast<size_t>(a)] != 1) nhwc.push_back(a);
  return nchw == nhwc;
}

}  // namespace

Expected<Shape> stored_shape(const Ints& onnx_shape, Layout layout, const Location& where) {
  Shape s;
  int64_t count = 1;
  for (int64_t d : onnx_shape) {
    if (d < 0 || d > INT32_MAX) return fail(Errc::BadInput, where, "dimension {} is out of range", d);
    count *= std::max<int64_t>(d, 1);
    if (count > kMaxTensorElements) return fail(Errc::BadInput, where, "tensor of shape [{}] is too large", fmt::join(onnx_shape, ","));
    s.push_back(static_cast<int32_t>(d));
  }
  if (layout == Layout::Nhwc) {
    if (s.size() != 4) return fail(Errc::Internal, where, "NHWC layout for rank {}", s.size());
    s = {s[0], s[2], s[3], s[1]};
  }
  return s;
}

TensorId Importer::add_constant_f32(const std::string& name, Shape shape, std::vector<float> values) {
  Tensor t;
  t.name = name, t.dtype = DType::Float32, t.shape = std::move(shape);
  t.set_values<float>(values);
  return g_.add_tensor(std::move(t));
}

TensorId Importer::add_constant_i32(const std::string& name, Shape shape, std::vector<int32_t> values) {
  Tensor t;
  t.name = name, t.dtype = DType::Int32, t.shape = std::move(shape);
  t.set_values<int32_t>(values);
  return g_.add_tensor(std::move(t));
}

Expected<TensorId> Importer::emit(const onnx::NodeProto& n, OpKind kind, OpOptions options,
                                  std::vector<TensorId> inputs, const std::string& out_name) {
  Tensor y;
  y.name = out_name, y.dtype = DType::Float32;
  const TensorId out = g_.add_tensor(std::move(y));
  const int index = g_.add_op(Op{.kind = kind, .options = std::move(options), .inputs = std::move(inputs), .outputs = {out}});
  auto shapes = infer_output_shapes(g_, index);
  if (!shapes) {
    Error e = shapes.take_error();
    return node_error(e.code, n, "{}: {}", op_kind_name(kind), e.to_string());
  }
  g_.tensor(out).shape = shapes->at(0);
  return out;
}

void Importer::define_activation(const std::string& out_name, TensorId id, Layout layout, Ints flat_chw) {
  Value v;
  v.id = id;
  v.layout = layout;
  v.flat_chw = std::move(flat_chw);
  const Shape& s = g_.tensor(id).shape;
  v.onnx_shape.assign(s.begin(), s.end());
  if (layout == Layout::Nhwc) v.onnx_shape = {s[0], s[3], s[1], s[2]};
  values_[out_name] = std::move(v);
}

bool Importer::try_fuse_activation(const Value& v, const std::string& in_name, Activation activation,
                                   const std::string& out_name) {
  if (v.is_constant() || uses(in_name) != 1 || graph_outputs_.count(in_name)) return false;
  std::optional<int> p = g_.producer(v.id);
  if (!p) return false;
  Op& op = g_.ops[static_cast<size_t>(*p)];
  Activation* a = fused_activation(op);
  if (!a || *a != Activation::None) return false;
  // MUL with a fused activation is fine in TFLite; SUB/ADD too. CONCATENATION's is rarely supported by
  // delegates, so it is left alone.
  if (op.kind == OpKind::Concatenation) return false;
  *a = activation;
  g_.tensor(v.id).name = out_name;
  Value fused = v;
  values_[out_name] = std::move(fused);
  return true;
}

Expected<Value> Importer::materialize(const onnx::NodeProto& n, const Value& v) {
  if (v.layout != Layout::FlatNhwc) return v;
  const Shape& s = g_.tensor(v.id).shape;  // [N, C*H*W] with features in (h, w, c) order
  const auto c = static_cast<int32_t>(v.flat_chw[0]), h = static_cast<int32_t>(v.flat_chw[1]),
             w = static_cast<int32_t>(v.flat_chw[2]);
  const std::string base = g_.tensor(v.id).name;
  const Shape nhwc{s[0], h, w, c};
  const TensorId s1 = add_constant_i32(base + "/nhwc_shape", {4}, {nhwc.begin(), nhwc.end()});
  auto t1 = emit(n, OpKind::Reshape, ReshapeOptions{.new_shape = nhwc}, {v.id, s1}, base + "/nhwc");
  if (!t1) return t1.take_error();
  const TensorId perm = add_constant_i32(base + "/to_nchw", {4}, {0, 3, 1, 2});
  auto t2 = emit(n, OpKind::Transpose, std::monostate{}, {*t1, perm}, base + "/nchw");
  if (!t2) return t2.take_error();
  const TensorId s2 = add_constant_i32(base + "/flat_shape", {2}, {s[0], s[1]});
  auto t3 = emit(n, OpKind::Reshape, ReshapeOptions{.new_shape = s}, {*t2, s2}, base + "/flat");
  if (!t3) return t3.take_error();
  Value out;
  out.id = *t3;
  out.onnx_shape = v.onnx_shape;
  return out;
}

Expected<Value> Importer::reshape_to(const onnx::NodeProto& n, const Value& value, const Ints& shape,
                                     const std::string& out_name) {
  auto m = materialize(n, value);
  if (!m) return m.take_error();
  Value v = std::move(*m);
  auto reshape = [&](TensorId in, const Shape& target, const std::string& name) -> Expected<TensorId> {
    if (g_.tensor(in).shape == target) return in;  // nothing to do: the value is an alias
    const TensorId s = add_constant_i32(name + "/shape", {static_cast<int32_t>(target.size())}, {target.begin(), target.end()});
    return emit(n, OpKind::Reshape, ReshapeOptions{.new_shape = target}, {in, s}, name);
  };
  auto transpose = [&](TensorId in, const int32_t (&perm)[4], const std::string& name) -> Expected<TensorId> {
    const TensorId p = add_constant_i32(name + "/perm", {4}, {perm[0], perm[1], perm[2], perm[3]});
    return emit(n, OpKind::Transpose, std::monostate{}, {in, p}, name);
  };
  auto target_plain = stored_shape(shape, Layout::Plain, where(n));
  if (!target_plain) return target_plain.take_error();
  TensorId in = v.id;
  if (v.layout == Layout::Nhwc && !same_order_as_nhwc(v.onnx_shape)) {
    const Ints& d = v.onnx_shape;
    if (shape.size() == 2 && shape[0] == d[0] && shape[1] == d[1] * d[2] * d[3]) {
      // Flatten of NCHW: keep the NHWC order; the reader of it adapts (importer.h, FlatNhwc).
      auto r = reshape(in, *target_plain, out_name);
      if (!r) return r.take_error();
      define_activation(out_name, *r, Layout::FlatNhwc, {d[1], d[2], d[3]});
      return values_[out_name];
    }
    auto t = transpose(in, kNhwcToNchw, out_name + "/nchw");
    if (!t) return t.take_error();
    in = *t;
  }
  // `in` now holds the data in ONNX order.
  if (shape.size() == 4) {
    auto target_nhwc = stored_shape(shape, Layout::Nhwc, where(n));
    if (!target_nhwc) return target_nhwc.take_error();
    if (same_order_as_nhwc(shape)) {
      auto r = reshape(in, *target_nhwc, out_name);
      if (!r) return r.take_error();
      define_activation(out_name, *r, Layout::Nhwc);
      return values_[out_name];
    }
    auto r = reshape(in, *target_plain, out_name + "/nchw_out");
    if (!r) return r.take_error();
    auto t = transpose(*r, kNchwToNhwc, out_name);
    if (!t) return t.take_error();
    define_activation(out_name, *t, Layout::Nhwc);
    return values_[out_name];
  }
  auto r = reshape(in, *target_plain, out_name);
  if (!r) return r.take_error();
  define_activation(out_name, *r, Layout::Plain);
  return values_[out_name];
}

std::optional<TensorId> Importer::broadcast_constant(const Value& act, const HostTensor& c, const std::string& name) {
  std::vector<float> values = c.floats();
  if (c.size() == 1) return add_constant_f32(name, {}, values);
  const size_t rank = act.onnx_shape.size();
  if (c.dims.size() > rank) return std::nullopt;
  if (act.layout == Layout::FlatNhwc) return std::nullopt;
  Ints dims(rank - c.dims.size(), 1);
  dims.insert(dims.end(), c.dims.begin(), c.dims.end());
  if (act.layout == Layout::Plain) return add_constant_f32(name, Shape(dims.begin(), dims.end()), values);
  // Rank 4: permute the constant's NCHW data to NHWC.
  const int64_t C = dims[1], H = dims[2], W = dims[3], N = dims[0];
  std::vector<float> nhwc(values.size());
  for (int64_t b = 0; b < N; ++b)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          nhwc[static_cast<size_t>(((b * H + y) * W + x) * C + ch)] = values[static_cast<size_t>(((b * C + ch) * H + y) * W + x)];
  return add_constant_f32(name, {static_cast<int32_t>(N), static_cast<int32_t>(H), static_cast<int32_t>(W), static_cast<int32_t>(C)}, nhwc);
}

}  // namespace tinyopt::onnx_format
