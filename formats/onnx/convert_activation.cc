// formats/onnx/convert_activation.cc: Relu, LeakyRelu, HardSwish, Sigmoid (-> LOGISTIC), Tanh, Clip,
// HardSigmoid and Softmax. Elementwise ops keep their input's layout (a FlatNhwc value stays one).
//
// Clip [0, 6] is RELU6, [0, inf) RELU and [-1, 1] RELU_N1_TO_1, fused into the producer when it takes a fused
// activation. TFLite has no standalone RELU_N1_TO_1 in tinyopt's IR, and other bounds need MINIMUM/MAXIMUM,
// which it lacks too; both are written exactly with RELU and constants:
//   max(x, lo) = relu(x - lo) + lo,  min(y, hi) = hi - relu(hi - y).
// HardSigmoid(x) = clip(alpha x + beta, 0, 1) = relu6(6 alpha x + 6 beta) / 6; x * HardSigmoid(x) with
// alpha = 1/6, beta = 1/2 (how PyTorch exports hardswish before opset 14) is HARD_SWISH.
#include <cmath>
#include <limits>

#include "formats/onnx/importer.h"

namespace tinyopt::onnx_format {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

bool near(float a, float b) { return std::fabs(a - b) <= 1e-6f * std::max(1.0f, std::fabs(b)); }

}  // namespace

// One op reading `x`, writing n.output(0) in x's layout.
static Expected<void> emit_unary(Importer& im, const onnx::NodeProto& n, OpKind kind, OpOptions options, const Value& x,
                                 const std::string& out_name) {
  auto out = im.emit(n, kind, std::move(options), {x.id}, out_name);
  if (!out) return out.take_error();
  im.define_activation(out_name, *out, x.layout, x.flat_chw);
  return {};
}

static Expected<const Value*> activation_input(const Importer& im, const onnx::NodeProto& n) {
  auto x = im.input(n, 0);
  if (!x) return x.take_error();
  if ((*x)->is_constant()) return im.node_error(Errc::Internal, n, "constant input was not folded");
  return *x;
}

Expected<void> Importer::convert_activation(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = activation_input(*this, n);
  if (!x) return x.take_error();
  const std::string& op = n.op_type();
  if (op == "Relu") {
    if (try_fuse_activation(**x, n.input(0), Activation::Relu, n.output(0))) return {};
    return emit_unary(*this, n, OpKind::Relu, std::monostate{}, **x, n.output(0));
  }
  if (op == "LeakyRelu")
    return emit_unary(*this, n, OpKind::LeakyRelu, LeakyReluOptions{.alpha = attr_float(n, "alpha", 0.01f)}, **x, n.output(0));
  if (op == "HardSwish") return emit_unary(*this, n, OpKind::HardSwish, std::monostate{}, **x, n.output(0));
  if (op == "Sigmoid") return emit_unary(*this, n, OpKind::Logistic, std::monostate{}, **x, n.output(0));
  if (op == "Tanh") return emit_unary(*this, n, OpKind::Tanh, std::monostate{}, **x, n.output(0));
  return node_error(Errc::Internal, n, "no activation converter for {}", op);
}

// min(max(x, lo), hi) for a value `x` (lo may be -inf, hi +inf).
static Expected<void> emit_clip(Importer& im, const onnx::NodeProto& n, const Value& x, float lo, float hi) {
  const std::string& out = n.output(0);
  const bool has_lo = lo > -kInf, has_hi = hi < kInf;
  if (!has_lo && !has_hi) {
    im.define(out, x);
    return {};
  }
  if (lo == 0.0f && hi == 6.0f) {
    if (im.try_fuse_activation(x, n.input(0), Activation::Relu6, out)) return {};
    return emit_unary(im, n, OpKind::Relu6, std::monostate{}, x, out);
  }
  if (lo == 0.0f && !has_hi) {
    if (im.try_fuse_activation(x, n.input(0), Activation::Relu, out)) return {};
    return emit_unary(im, n, OpKind::Relu, std::monostate{}, x, out);
  }
  if (lo == -1.0f && hi == 1.0f && im.try_fuse_activation(x, n.input(0), Activation::ReluN1To1, out)) return {};
  const ElementwiseOptions relu{.activation = Activation::Relu};
  TensorId cur = x.id;
  if (has_lo) {  // relu(x - lo) [+ lo when there is no upper bound]
    const TensorId neg_lo = im.add_constant_f32(out + "/minus_lo", {}, {-lo});
    auto t = im.emit(n, OpKind::Add, relu, {cur, neg_lo}, has_hi ? out + "/above_lo" : out + "/shifted");
    if (!t) return t.take_error();
    cur = *t;
    if (!has_hi) {
      const TensorId c = im.add_constant_f32(out + "/lo", {}, {lo});
      auto r = im.emit(n, OpKind::Add, ElementwiseOptions{}, {cur, c}, out);
      if (!r) return r.take_error();
      im.define_activation(out, *r, x.layout, x.flat_chw);
      return {};
    }
  }
  // hi - relu(hi - y); with a lower bound y - lo is what `cur` holds, so hi - y = (hi - lo) - cur.
  const TensorId c1 = im.add_constant_f32(out + "/headroom", {}, {has_lo ? hi - lo : hi});
  auto t2 = im.emit(n, OpKind::Sub, relu, {c1, cur}, out + "/below_hi");
  if (!t2) return t2.take_error();
  const TensorId c2 = im.add_constant_f32(out + "/hi", {}, {hi});
  auto r = im.emit(n, OpKind::Sub, ElementwiseOptions{}, {c2, *t2}, out);
  if (!r) return r.take_error();
  im.define_activation(out, *r, x.layout, x.flat_chw);
  return {};
}

Expected<void> Importer::convert_clip(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = activation_input(*this, n);
  if (!x) return x.take_error();
  float lo = attr_float(n, "min", -kInf), hi = attr_float(n, "max", kInf);  // attributes before opset 11
  for (int i : {1, 2}) {
    if (!has_input(n, i)) continue;
    auto c = constant_input(n, i);
    if (!c) return c.take_error();
    if ((*c)->size() != 1) return node_error(Errc::BadInput, n, "Clip bound {} must be a scalar", i);
    (i == 1 ? lo : hi) = static_cast<float>((*c)->at(0));
  }
  if (lo > hi) return node_error(Errc::BadInput, n, "Clip min {} is above max {}", lo, hi);
  return emit_clip(*this, n, **x, lo, hi);
}

Expected<void> Importer::convert_hard_sigmoid(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = activation_input(*this, n);
  if (!x) return x.take_error();
  const float alpha = attr_float(n, "alpha", 0.2f), beta = attr_float(n, "beta", 0.5f);
  if (near(alpha, 1.0f / 6.0f) && near(beta, 0.5f)) {
    if (std::optional<size_t> m = sole_consumer(n.output(0))) {
      const onnx::NodeProto& mul = node(*m);
      if (mul.op_type() == "Mul" && mul.input_size() == 2 &&
          ((mul.input(0) == n.input(0) && mul.input(1) == n.output(0)) ||
           (mul.input(1) == n.input(0) && mul.input(0) == n.output(0)))) {
        skip_node(*m);
        return emit_unary(*this, n, OpKind::HardSwish, std::monostate{}, **x, mul.output(0));
      }
    }
  }
  const std::string& out = n.output(0);
  const TensorId a = add_constant_f32(out + "/alpha6", {}, {6.0f * alpha});
  auto t = emit(n, OpKind::Mul, ElementwiseOptions{}, {(*x)->id, a}, out + "/scaled");
  if (!t) return t.take_error();
  const TensorId b = add_constant_f32(out + "/beta6", {}, {6.0f * beta});
  auto u = emit(n, OpKind::Add, ElementwiseOptions{.activation = Activation::Relu6}, {*t, b}, out + "/relu6");
  if (!u) return u.take_error();
  const TensorId sixth = add_constant_f32(out + "/sixth", {}, {1.0f / 6.0f});
  auto r = emit(n, OpKind::Mul, ElementwiseOptions{}, {*u, sixth}, out);
  if (!r) return r.take_error();
  define_activation(out, *r, (*x)->layout, (*x)->flat_chw);
  return {};
}

Expected<void> Importer::convert_softmax(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = activation_input(*this, n);
  if (!x) return x.take_error();
  const auto rank = static_cast<int64_t>((*x)->onnx_shape.size());
  int64_t axis = attr_int(n, "axis", opset() >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  // TFLite SOFTMAX normalises over the last stored axis. Before opset 13 ONNX flattens from `axis` on, which
  // is the same only when `axis` is the last axis.
  const bool last_stored = (*x)->layout == Layout::Nhwc ? (opset() >= 13 && axis == 1) : axis == rank - 1;
  if (!last_stored)
    return node_error(Errc::Unsupported, n, "softmax over axis {} of a rank-{} tensor (only the channel / last axis)", axis, rank);
  // Softmax over all features of a FlatNhwc value permutes its output like its input: the layout stays.
  return emit_unary(*this, n, OpKind::Softmax, SoftmaxOptions{}, **x, n.output(0));
}

}  // namespace tinyopt::onnx_format
