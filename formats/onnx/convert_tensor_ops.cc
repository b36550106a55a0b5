// formats/onnx/convert_tensor_ops.cc: Add / Sub / Mul / Div (by a constant: MUL by its reciprocal), Concat,
// Pad, Transpose, Flatten / Reshape / Squeeze / Unsqueeze, and Identity / Dropout / Cast (no op at all).
//
// Axes and permutations given in ONNX's NCHW order are mapped to the NHWC the graph stores (importer.h).
#include <algorithm>

#include "formats/onnx/importer.h"

namespace tinyopt::onnx_format {
namespace {

using Ints = std::vector<int64_t>;

// NHWC position of NCHW axis a.
constexpr int kNhwcPosition[4] = {0, 3, 1, 2};

}  // namespace

Expected<void> Importer::convert_elementwise(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto a = input(n, 0);
  if (!a) return a.take_error();
  auto b = input(n, 1);
  if (!b) return b.take_error();
  const std::string& op = n.op_type();
  const std::string& out = n.output(0);
  Value x = **a, y = **b;
  if (x.is_constant() && y.is_constant()) return node_error(Errc::Internal, n, "constant operands were not folded");
  OpKind kind = op == "Add" ? OpKind::Add : op == "Sub" ? OpKind::Sub : OpKind::Mul;
  if (x.is_constant() || y.is_constant()) {
    const bool act_first = !x.is_constant();
    Value act = act_first ? x : y;
    HostTensor c = *(act_first ? y : x).constant;
    if (op == "Div") {
      if (!act_first) return node_error(Errc::Unsupported, n, "division by an activation is not supported");
      c.f = c.floats();
      c.i.clear();
      c.is_float = true;
      for (float& v : c.f) v = 1.0f / v;
    }
    std::optional<TensorId> ct = broadcast_constant(act, c, out + "/operand");
    if (!ct) {
      auto m = materialize(n, act);
      if (!m) return m.take_error();
      act = *m;
      ct = broadcast_constant(act, c, out + "/operand");
      if (!ct) return node_error(Errc::Unsupported, n, "constant of shape [{}] does not broadcast to [{}]",
                                 fmt::join(c.dims, ","), fmt::join(act.onnx_shape, ","));
    }
    std::vector<TensorId> ins = act_first ? std::vector<TensorId>{act.id, *ct} : std::vector<TensorId>{*ct, act.id};
    auto r = emit(n, kind, ElementwiseOptions{}, ins, out);
    if (!r) return r.take_error();
    define_activation(out, *r, act.layout, act.flat_chw);
    return {};
  }
  if (op == "Div") return node_error(Errc::Unsupported, n, "division by an activation is not supported");
  if (x.layout != y.layout || x.flat_chw != y.flat_chw) {
    auto mx = materialize(n, x);
    if (!mx) return mx.take_error();
    auto my = materialize(n, y);
    if (!my) return my.take_error();
    x = *mx, y = *my;
  }
  if (x.layout != y.layout)
    return node_error(Errc::Unsupported, n, "operands of rank {} and {} (broadcasting a rank-4 tensor against another rank)",
                      x.onnx_shape.size(), y.onnx_shape.size());
  auto r = emit(n, kind, ElementwiseOptions{}, {x.id, y.id}, out);
  if (!r) return r.take_error();
  define_activation(out, *r, x.layout, x.flat_chw);
  return {};
}

Expected<void> Importer::convert_concat(size_t k) {
  const onnx::NodeProto& n = node(k);
  std::vector<Value> ins;
  for (int i = 0; i < n.input_size(); ++i) {
    auto v = input(n, i);
    if (!v) return v.take_error();
    ins.push_back(**v);
  }
  const Value* act = nullptr;
  for (Value& v : ins) {
    if (v.is_constant()) continue;
    auto m = materialize(n, v);
    if (!m) return m.take_error();
    v = *m;
    act = &v;
  }
  if (!act) return node_error(Errc::Internal, n, "constant operands were not folded");
  const auto rank = static_cast<int64_t>(act->onnx_shape.size());
  int64_t axis = attr_int(n, "axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return node_error(Errc::BadInput, n, "axis {} is out of range for rank {}", axis, rank);
  std::vector<TensorId> ids;
  for (size_t i = 0; i < ins.size(); ++i) {
    Value& v = ins[i];
    if (v.is_constant()) {
      if (static_cast<int64_t>(v.constant->dims.size()) != rank)
        return node_error(Errc::BadInput, n, "constant input {} has rank {}, not {}", i, v.constant->dims.size(), rank);
      std::optional<TensorId> c = broadcast_constant(*act, *v.constant, n.output(0) + "/input" + std::to_string(i));
      if (!c) return node_error(Errc::Unsupported, n, "constant input {} cannot be laid out", i);
      ids.push_back(*c);
      continue;
    }
    if (v.layout != act->layout) return node_error(Errc::BadInput, n, "inputs differ in rank");
    ids.push_back(v.id);
  }
  const int64_t stored_axis = act->layout == Layout::Nhwc ? kNhwcPosition[axis] : axis;
  auto r = emit(n, OpKind::Concatenation, ConcatenationOptions{.axis = static_cast<int32_t>(stored_axis)}, ids, n.output(0));
  if (!r) return r.take_error();
  define_activation(n.output(0), *r, act->layout);
  return {};
}

Expected<void> Importer::convert_pad(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto xv = input(n, 0);
  if (!xv) return xv.take_error();
  auto xm = materialize(n, **xv);
  if (!xm) return xm.take_error();
  const Value x = *xm;
  const std::string mode = attr_string(n, "mode", "constant");
  if (mode != "constant") return node_error(Errc::Unsupported, n, "mode '{}' (only constant padding)", mode);
  Ints pads;
  if (has_input(n, 1)) {
    auto p = constant_input(n, 1);
    if (!p) return p.take_error();
    pads = (*p)->ints();
  } else if (auto p = attr_ints(n, "pads")) {
    pads = *p;
  }
  if (has_input(n, 2)) {
    auto c = constant_input(n, 2);
    if (!c) return c.take_error();
    if ((*c)->size() != 1 || (*c)->at(0) != 0.0)
      return node_error(Errc::Unsupported, n, "constant_value other than 0 (TFLite PAD pads with zeros)");
  }
  if (has_input(n, 3)) return node_error(Errc::Unsupported, n, "the axes input (opset 18) is not supported");
  const size_t rank = x.onnx_shape.size();
  if (pads.size() != 2 * rank) return node_error(Errc::BadInput, n, "pads has {} entries for rank {}", pads.size(), rank);
  std::vector<int32_t> paddings(2 * rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t before = pads[d], after = pads[d + rank];
    if (before < 0 || after < 0) return node_error(Errc::Unsupported, n, "negative pads (cropping) are not supported");
    if (before > 1 << 20 || after > 1 << 20) return node_error(Errc::BadInput, n, "pad {} is too large", std::max(before, after));
    const size_t pos = x.layout == Layout::Nhwc ? static_cast<size_t>(kNhwcPosition[d]) : d;
    paddings[2 * pos] = static_cast<int32_t>(before);
    paddings[2 * pos + 1] = static_cast<int32_t>(after);
  }
  const TensorId p = add_constant_i32(n.output(0) + "/paddings", {static_cast<int32_t>(rank), 2}, paddings);
  auto r = emit(n, OpKind::Pad, std::monostate{}, {x.id, p}, n.output(0));
  if (!r) return r.take_error();
  define_activation(n.output(0), *r, x.layout);
  return {};
}

Expected<void> Importer::convert_transpose(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto xv = input(n, 0);
  if (!xv) return xv.take_error();
  auto xm = materialize(n, **xv);
  if (!xm) return xm.take_error();
  const Value x = *xm;
  const size_t rank = x.onnx_shape.size();
  Ints perm;
  if (auto p = attr_ints(n, "perm")) perm = *p;
  else for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<bool> seen(rank, false);
  if (perm.size() != rank) return node_error(Errc::BadInput, n, "perm has {} entries for rank {}", perm.size(), rank);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)])
      return node_error(Errc::BadInput, n, "perm [{}] is not a permutation", fmt::join(perm, ","));
    seen[static_cast<size_t>(p)] = true;
  }
  std::vector<int32_t> stored(rank);
  if (x.layout == Layout::Nhwc) {
    // Both sides are stored NHWC: stored output axis j is ONNX output axis P[j] = ONNX input axis
    // perm[P[j]], which is stored input axis position[perm[P[j]]] (P = NHWC -> NCHW, position its inverse).
    constexpr int kNchwOf[4] = {0, 2, 3, 1};
    for (size_t j = 0; j < 4; ++j) stored[j] = kNhwcPosition[perm[static_cast<size_t>(kNchwOf[j])]];
  } else {
    for (size_t j = 0; j < rank; ++j) stored[j] = static_cast<int32_t>(perm[j]);
  }
  bool identity = true;
  for (size_t j = 0; j < rank; ++j) identity = identity && stored[j] == static_cast<int32_t>(j);
  if (identity) {
    define(n.output(0), x);
    return {};
  }
  const TensorId p = add_constant_i32(n.output(0) + "/perm", {static_cast<int32_t>(rank)}, stored);
  auto r = emit(n, OpKind::Transpose, std::monostate{}, {x.id, p}, n.output(0));
  if (!r) return r.take_error();
  define_activation(n.output(0), *r, x.layout);
  return {};
}

Expected<void> Importer::convert_reshape_family(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto xv = input(n, 0);
  if (!xv) return xv.take_error();
  const Value x = **xv;
  const Ints& in = x.onnx_shape;
  const auto rank = static_cast<int64_t>(in.size());
  const std::string& op = n.op_type();
  Ints shape;
  if (op == "Flatten") {
    int64_t axis = attr_int(n, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) return node_error(Errc::BadInput, n, "axis {} is out of range", axis);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= in[static_cast<size_t>(d)];
    shape = {outer, inner};
  } else if (op == "Reshape") {
    auto target = constant_input(n, 1);
    if (!target) return target.take_error();
    auto s = resolve_reshape(n, in, (*target)->ints(), where(n));
    if (!s) return s.take_error();
    shape = *s;
  } else {
    Ints axes;
    bool have_axes = false;
    if (auto a = attr_ints(n, "axes")) axes = *a, have_axes = true;
    else if (has_input(n, 1)) {
      auto c = constant_input(n, 1);
      if (!c) return c.take_error();
      axes = (*c)->ints(), have_axes = true;
    }
    if (op == "Squeeze") {
      std::vector<bool> drop(in.size(), !have_axes);
      if (!have_axes) for (size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
      for (int64_t a : axes) {
        if (a < 0) a += rank;
        if (a < 0 || a >= rank || in[static_cast<size_t>(a)] != 1)
          return node_error(Errc::BadInput, n, "cannot squeeze axis {} of [{}]", a, fmt::join(in, ","));
        drop[static_cast<size_t>(a)] = true;
      }
      for (size_t d = 0; d < in.size(); ++d) if (!drop[d]) shape.push_back(in[d]);
    } else {
      if (!have_axes) return node_error(Errc::BadInput, n, "Unsqueeze without axes");
      const auto out_rank = static_cast<int64_t>(in.size() + axes.size());
      std::vector<bool> is_new(static_cast<size_t>(out_rank), false);
      for (int64_t a : axes) {
        if (a < 0) a += out_rank;
        if (a < 0 || a >= out_rank || is_new[static_cast<size_t>(a)])
          return node_error(Errc::BadInput, n, "bad Unsqueeze axis {}", a);
        is_new[static_cast<size_t>(a)] = true;
      }
      size_t next = 0;
      for (int64_t d = 0; d < out_rank; ++d) shape.push_back(is_new[static_cast<size_t>(d)] ? 1 : in[next++]);
    }
  }
  if (shape.size() > 8) return node_error(Errc::Unsupported, n, "rank {} (at most 8)", shape.size());
  auto r = reshape_to(n, x, shape, n.output(0));
  if (!r) return r.take_error();
  return {};
}

Expected<void> Importer::convert_alias(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = input(n, 0);
  if (!x) return x.take_error();
  if (n.op_type() == "Cast" && attr_int(n, "to", 0) != onnx::TensorProto::FLOAT)
    return node_error(Errc::Unsupported, n, "Cast of an activation to {} (float32 graphs only)",
                      onnx_dtype_name(static_cast<int32_t>(attr_int(n, "to", 0))));
  if (n.op_type() == "Dropout" && n.output_size() > 1 && uses(n.output(1)) > 0)
    return node_error(Errc::Unsupported, n, "the Dropout mask output is used");
  define(n.output(0), **x);
  return {};
}

}  // namespace tinyopt::onnx_format
