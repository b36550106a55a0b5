// formats/onnx/convert_fully_connected.cc: Gemm, and MatMul (+ the Add of a bias after it), with constant
// weights -> FULLY_CONNECTED, whose weights are [units, depth] (TFLite: out = in x W^T + bias).
//
// When the input is FlatNhwc (importer.h: an NCHW tensor flattened, but stored flattened from NHWC), the
// weight columns are permuted instead of the data: ONNX column c*H*W + h*W + w becomes (h*W + w)*C + c.
#include "formats/onnx/importer.h"

namespace tinyopt::onnx_format {

// Emits the FULLY_CONNECTED of `a` with ONNX-ordered weights w[u][k] and `bias` (units values), writing `out`.
static Expected<void> emit_fully_connected(Importer& im, const onnx::NodeProto& n, const Value& a, std::vector<float> w,
                                           int64_t units, int64_t depth, std::vector<float> bias, const std::string& out) {
  if (a.layout == Layout::FlatNhwc) {
    const int64_t C = a.flat_chw[0], H = a.flat_chw[1], W = a.flat_chw[2];
    std::vector<float> permuted(w.size());
    for (int64_t u = 0; u < units; ++u)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < H; ++y)
          for (int64_t x = 0; x < W; ++x)
            permuted[static_cast<size_t>(u * depth + (y * W + x) * C + c)] = w[static_cast<size_t>(u * depth + (c * H + y) * W + x)];
    w = std::move(permuted);
  }
  const TensorId wt = im.add_constant_f32(out + "/weights", {static_cast<int32_t>(units), static_cast<int32_t>(depth)}, std::move(w));
  const TensorId bt = im.add_constant_f32(out + "/bias", {static_cast<int32_t>(units)}, std::move(bias));
  auto r = im.emit(n, OpKind::FullyConnected, FullyConnectedOptions{}, {a.id, wt, bt}, out);
  if (!r) return r.take_error();
  im.define_activation(out, *r, Layout::Plain);
  return {};
}

// Input 0 as a [batch, depth] activation (FlatNhwc kept: the weights adapt).
static Expected<Value> matrix_input(Importer& im, const onnx::NodeProto& n) {
  auto a = im.input(n, 0);
  if (!a) return a.take_error();
  if ((*a)->is_constant()) return im.node_error(Errc::Internal, n, "constant operands were not folded");
  if ((*a)->onnx_shape.size() != 2)
    return im.node_error(Errc::Unsupported, n, "input of rank {} (only [batch, features] inputs)", (*a)->onnx_shape.size());
  return **a;
}

// A bias of `units` values from a constant of 1 or `units` elements (scaled by `beta`).
static std::optional<std::vector<float>> bias_values(const HostTensor& c, int64_t units, float beta) {
  if (c.size() != 1 && c.size() != units) return std::nullopt;
  for (size_t d = 0; d + 1 < c.dims.size(); ++d) if (c.dims[d] != 1) return std::nullopt;
  std::vector<float> v = c.floats();
  if (v.size() == 1) v.assign(static_cast<size_t>(units), v[0]);
  for (float& x : v) x *= beta;
  return v;
}

Expected<void> Importer::convert_gemm(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto a = matrix_input(*this, n);
  if (!a) return a.take_error();
  if (attr_int(n, "transA", 0) != 0) return node_error(Errc::Unsupported, n, "transA = 1 is not supported");
  auto b = constant_input(n, 1);
  if (!b) return b.take_error();
  const HostTensor& B = **b;
  const bool trans_b = attr_int(n, "transB", 0) != 0;
  const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  if (B.dims.size() != 2) return node_error(Errc::BadInput, n, "B has rank {}", B.dims.size());
  const int64_t depth = trans_b ? B.dims[1] : B.dims[0], units = trans_b ? B.dims[0] : B.dims[1];
  if (depth != a->onnx_shape[1]) return node_error(Errc::BadInput, n, "B has depth {}, the input {} features", depth, a->onnx_shape[1]);
  const std::vector<float> src = B.floats();
  std::vector<float> w(src.size());
  for (int64_t u = 0; u < units; ++u)
    for (int64_t d = 0; d < depth; ++d)
      w[static_cast<size_t>(u * depth + d)] = alpha * src[static_cast<size_t>(trans_b ? u * depth + d : d * units + u)];
  std::vector<float> bias(static_cast<size_t>(units), 0.0f);
  if (has_input(n, 2)) {
    auto c = constant_input(n, 2);
    if (!c) return c.take_error();
    auto v = bias_values(**c, units, beta);
    if (!v) return node_error(Errc::Unsupported, n, "C of shape [{}] is not a per-unit bias", fmt::join((*c)->dims, ","));
    bias = *v;
  }
  return emit_fully_connected(*this, n, *a, std::move(w), units, depth, std::move(bias), n.output(0));
}

Expected<void> Importer::convert_matmul(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto bv = input(n, 1);
  if (!bv) return bv.take_error();
  if (!(*bv)->is_constant()) return node_error(Errc::Unsupported, n, "MatMul of two activations (weights must be constant)");
  auto a = matrix_input(*this, n);
  if (!a) return a.take_error();
  const HostTensor& B = *(*bv)->constant;
  if (B.dims.size() != 2) return node_error(Errc::Unsupported, n, "weights of rank {}", B.dims.size());
  const int64_t depth = B.dims[0], units = B.dims[1];
  if (depth != a->onnx_shape[1]) return node_error(Errc::BadInput, n, "weights have depth {}, the input {} features", depth, a->onnx_shape[1]);
  const std::vector<float> src = B.floats();
  std::vector<float> w(src.size());
  for (int64_t u = 0; u < units; ++u)
    for (int64_t d = 0; d < depth; ++d) w[static_cast<size_t>(u * depth + d)] = src[static_cast<size_t>(d * units + u)];
  std::vector<float> bias(static_cast<size_t>(units), 0.0f);
  std::string out = n.output(0);
  // MatMul followed by the Add of a constant vector (how Linear layers on non-2-D inputs, and hand-written
  // x @ W + b, export): one FULLY_CONNECTED with that bias.
  if (std::optional<size_t> next = sole_consumer(out)) {
    const onnx::NodeProto& add = node(*next);
    if (add.op_type() == "Add" && add.input_size() == 2) {
      auto other = input(add, add.input(0) == out ? 1 : 0);
      const Value* it = other ? *other : nullptr;
      if (it && it->is_constant()) {
        if (auto v = bias_values(*it->constant, units, 1.0f)) {
          bias = *v;
          out = add.output(0);
          skip_node(*next);
        }
      }
    }
  }
  return emit_fully_connected(*this, n, *a, std::move(w), units, depth, std::move(bias), out);
}

}  // namespace tinyopt::onnx_format
