// formats/onnx/convert_conv_pool.cc: Conv (group 1 -> CONV_2D, depthwise -> DEPTHWISE_CONV_2D),
// BatchNormalization (folded into the conv or FULLY_CONNECTED before it, else MUL + ADD), MaxPool, AveragePool,
// GlobalAveragePool (-> MEAN over H, W).
//
// Weight layouts: ONNX Conv W is [O, I/group, kH, kW]; TFLite CONV_2D wants [O, kH, kW, I] and
// DEPTHWISE_CONV_2D [1, kH, kW, I * multiplier] (output channel o = i * multiplier + m in both).
#include <cmath>

#include "formats/onnx/importer.h"
#include "formats/onnx/window_plan.h"
#include "ir/op_traits.h"

namespace tinyopt::onnx_format {
namespace {

std::pair<int64_t, int64_t> pair_attr(const onnx::NodeProto& n, const char* name, int64_t fallback) {
  auto v = attr_ints(n, name);
  if (!v || v->size() != 2) return {fallback, fallback};
  return {(*v)[0], (*v)[1]};
}

}  // namespace

// The rank-4 activation input 0 of a windowed node.
static Expected<const Value*> image_input(const Importer& im, const onnx::NodeProto& n) {
  auto x = im.input(n, 0);
  if (!x) return x.take_error();
  if ((*x)->is_constant() || (*x)->layout != Layout::Nhwc)
    return im.node_error(Errc::Unsupported, n, "input '{}' must be a rank-4 NCHW activation (only 2-D {} is supported)",
                         n.input(0), n.op_type());
  return *x;
}

// A PAD before a windowed op when its plan needs one; returns the tensor the op reads.
static Expected<TensorId> pad_if_needed(Importer& im, const onnx::NodeProto& n, TensorId x, const WindowPlan& plan) {
  if (!plan.explicit_pad) return x;
  const auto& p = plan.pads;
  const TensorId pads = im.add_constant_i32(n.output(0) + "/paddings", {4, 2}, {0, 0, p[0], p[1], p[2], p[3], 0, 0});
  return im.emit(n, OpKind::Pad, std::monostate{}, {x, pads}, n.output(0) + "/padded");
}

Expected<void> Importer::convert_conv(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = image_input(*this, n);
  if (!x) return x.take_error();
  auto w = constant_input(n, 1);
  if (!w) return w.take_error();
  const HostTensor& W = **w;
  if (W.dims.size() != 4) return node_error(Errc::Unsupported, n, "weights of rank {} (only 2-D Conv is supported)", W.dims.size());
  const int64_t O = W.dims[0], Ig = W.dims[1], kh = W.dims[2], kw = W.dims[3];
  const int64_t C = (*x)->onnx_shape[1];
  const int64_t group = attr_int(n, "group", 1);
  const bool depthwise = group > 1 && group == C && Ig == 1 && O % C == 0;
  if (!depthwise && (group != 1 || Ig != C))
    return node_error(group != 1 ? Errc::Unsupported : Errc::BadInput, n,
                      "group {} with {} input channels and weights [{}] is neither a plain nor a depthwise convolution",
                      group, C, fmt::join(W.dims, ","));
  std::vector<float> bias(static_cast<size_t>(O), 0.0f);
  if (has_input(n, 2)) {
    auto b = constant_input(n, 2);
    if (!b) return b.take_error();
    if ((*b)->size() != O) return node_error(Errc::BadInput, n, "bias has {} values for {} output channels", (*b)->size(), O);
    bias = (*b)->floats();
  }
  auto [sh, sw] = pair_attr(n, "strides", 1);
  auto [dh, dw] = pair_attr(n, "dilations", 1);
  const WindowSpec spec{.in_h = static_cast<int32_t>((*x)->onnx_shape[2]), .in_w = static_cast<int32_t>((*x)->onnx_shape[3]),
                        .kernel_h = static_cast<int32_t>(kh), .kernel_w = static_cast<int32_t>(kw),
                        .stride_h = static_cast<int32_t>(sh), .stride_w = static_cast<int32_t>(sw),
                        .dilation_h = static_cast<int32_t>(dh), .dilation_w = static_cast<int32_t>(dw)};
  if (sh > INT32_MAX || sw > INT32_MAX || dh > INT32_MAX || dw > INT32_MAX || kh > INT32_MAX || kw > INT32_MAX)
    return node_error(Errc::BadInput, n, "kernel, strides or dilations out of range");
  auto plan = plan_window(n, spec, where(n));
  if (!plan) return plan.take_error();
  auto in = pad_if_needed(*this, n, (*x)->id, *plan);
  if (!in) return in.take_error();

  const std::vector<float> src = W.floats();
  std::vector<float> dst(src.size());
  const std::string base = n.output(0);
  TensorId weights;
  if (depthwise) {
    for (int64_t o = 0; o < O; ++o)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx)
          dst[static_cast<size_t>((y * kw + xx) * O + o)] = src[static_cast<size_t>((o * kh + y) * kw + xx)];
    weights = add_constant_f32(base + "/weights", {1, static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(O)}, dst);
  } else {
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < C; ++i)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t xx = 0; xx < kw; ++xx)
            dst[static_cast<size_t>(((o * kh + y) * kw + xx) * C + i)] = src[static_cast<size_t>(((o * C + i) * kh + y) * kw + xx)];
    weights = add_constant_f32(base + "/weights", {static_cast<int32_t>(O), static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(C)}, dst);
  }
  const TensorId b = add_constant_f32(base + "/bias", {static_cast<int32_t>(O)}, bias);
  OpOptions options;
  if (depthwise)
    options = DepthwiseConv2DOptions{.padding = plan->padding, .stride_w = spec.stride_w, .stride_h = spec.stride_h,
                                     .depth_multiplier = static_cast<int32_t>(O / C), .dilation_w = spec.dilation_w,
                                     .dilation_h = spec.dilation_h};
  else
    options = Conv2DOptions{.padding = plan->padding, .stride_w = spec.stride_w, .stride_h = spec.stride_h,
                            .dilation_w = spec.dilation_w, .dilation_h = spec.dilation_h};
  auto out = emit(n, depthwise ? OpKind::DepthwiseConv2D : OpKind::Conv2D, options, {*in, weights, b}, base);
  if (!out) return out.take_error();
  define_activation(base, *out, Layout::Nhwc);
  return {};
}

Expected<void> Importer::convert_batchnorm(size_t k) {
  const onnx::NodeProto& n = node(k);
  if (attr_int(n, "training_mode", 0) != 0) return node_error(Errc::Unsupported, n, "training_mode = 1 (export in eval mode)");
  auto xv = input(n, 0);
  if (!xv) return xv.take_error();
  if ((*xv)->is_constant()) return node_error(Errc::Unsupported, n, "BatchNormalization of a constant");
  auto xm = materialize(n, **xv);
  if (!xm) return xm.take_error();
  const Value x = *xm;
  if (x.onnx_shape.size() < 2) return node_error(Errc::BadInput, n, "input of rank {} has no channel axis", x.onnx_shape.size());
  const int64_t C = x.onnx_shape[1];
  std::vector<std::vector<float>> p;  // scale, B, mean, var
  for (int i = 1; i <= 4; ++i) {
    auto t = constant_input(n, i);
    if (!t) return t.take_error();
    if ((*t)->size() != C) return node_error(Errc::BadInput, n, "input {} has {} values for {} channels", i, (*t)->size(), C);
    p.push_back((*t)->floats());
  }
  const float eps = attr_float(n, "epsilon", 1e-5f);
  std::vector<float> mul(static_cast<size_t>(C)), add(static_cast<size_t>(C));
  for (size_t c = 0; c < mul.size(); ++c) {
    // y = (x - mean) / sqrt(var + eps) * scale + B  ==  x * m + a.
    mul[c] = static_cast<float>(p[0][c] / std::sqrt(static_cast<double>(p[3][c]) + eps));
    add[c] = static_cast<float>(p[1][c] - static_cast<double>(p[2][c]) * mul[c]);
  }
  const std::string& out_name = n.output(0);
  // Fold into the producing CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED when nothing else reads its output:
  // (W x + b) * m + a == (W * m) x + (b * m + a), per output channel. Its weights and bias were made by this
  // import for that op alone, so they are scaled in place.
  std::optional<int> p_op = uses(n.input(0)) == 1 ? g_.producer(x.id) : std::nullopt;
  if (p_op) {
    Op& op = g_.ops[static_cast<size_t>(*p_op)];
    const int axis = weight_channel_axis(op.kind);
    const Activation* act = fused_activation(op);
    if (axis >= 0 && act && *act == Activation::None && op.input(2) != kNoTensor) {
      Tensor& wt = g_.tensor(op.inputs[1]);
      Tensor& bt = g_.tensor(op.inputs[2]);
      if (wt.shape[static_cast<size_t>(axis)] == C && bt.num_elements() == C) {
        auto wv = wt.mutable_values<float>();
        int64_t inner = 1;
        for (size_t d = static_cast<size_t>(axis) + 1; d < wt.shape.size(); ++d) inner *= wt.shape[d];
        for (size_t e = 0; e < wv.size(); ++e) wv[e] *= mul[static_cast<size_t>((static_cast<int64_t>(e) / inner) % C)];
        auto bv = bt.mutable_values<float>();
        for (size_t c = 0; c < bv.size(); ++c) bv[c] = bv[c] * mul[c] + add[c];
        g_.tensor(x.id).name = out_name;
        define(out_name, x);
        return {};
      }
    }
  }
  // Otherwise MUL + ADD by per-channel constants: the channel axis is the last one in NHWC and in [N, C].
  Shape cshape{static_cast<int32_t>(C)};
  for (size_t d = 2; x.layout == Layout::Plain && d < x.onnx_shape.size(); ++d) cshape.push_back(1);
  const TensorId m = add_constant_f32(out_name + "/scale", cshape, mul);
  auto scaled = emit(n, OpKind::Mul, ElementwiseOptions{}, {x.id, m}, out_name + "/scaled");
  if (!scaled) return scaled.take_error();
  const TensorId a = add_constant_f32(out_name + "/offset", cshape, add);
  auto out = emit(n, OpKind::Add, ElementwiseOptions{}, {*scaled, a}, out_name);
  if (!out) return out.take_error();
  define_activation(out_name, *out, x.layout);
  return {};
}

Expected<void> Importer::convert_pool(size_t k) {
  const onnx::NodeProto& n = node(k);
  const bool is_max = n.op_type() == "MaxPool";
  if (n.output_size() > 1 && uses(n.output(1)) > 0) return node_error(Errc::Unsupported, n, "the Indices output is not supported");
  auto x = image_input(*this, n);
  if (!x) return x.take_error();
  auto kernel = attr_ints(n, "kernel_shape");
  if (!kernel || kernel->size() != 2) return node_error(Errc::BadInput, n, "kernel_shape must have 2 entries");
  auto [sh, sw] = pair_attr(n, "strides", 1);
  auto [dh, dw] = pair_attr(n, "dilations", 1);
  if (dh != 1 || dw != 1) return node_error(Errc::Unsupported, n, "dilated pooling is not supported");
  const bool count_pads = !is_max && attr_int(n, "count_include_pad", 0) != 0;
  if ((*kernel)[0] > INT32_MAX || (*kernel)[1] > INT32_MAX || sh > INT32_MAX || sw > INT32_MAX)
    return node_error(Errc::BadInput, n, "kernel or strides out of range");
  const WindowSpec spec{.in_h = static_cast<int32_t>((*x)->onnx_shape[2]), .in_w = static_cast<int32_t>((*x)->onnx_shape[3]),
                        .kernel_h = static_cast<int32_t>((*kernel)[0]), .kernel_w = static_cast<int32_t>((*kernel)[1]),
                        .stride_h = static_cast<int32_t>(sh), .stride_w = static_cast<int32_t>(sw),
                        .ceil_mode = attr_int(n, "ceil_mode", 0) != 0,
                        .zeros_allowed = !is_max, .pads_counted = count_pads};
  auto plan = plan_window(n, spec, where(n));
  if (!plan) return plan.take_error();
  auto in = pad_if_needed(*this, n, (*x)->id, *plan);
  if (!in) return in.take_error();
  const Pool2DOptions o{.padding = plan->padding, .stride_w = spec.stride_w, .stride_h = spec.stride_h,
                        .filter_w = spec.kernel_w, .filter_h = spec.kernel_h};
  const bool correct = !is_max && !count_pads && plan->explicit_pad;
  auto out = emit(n, is_max ? OpKind::MaxPool2D : OpKind::AveragePool2D, o, {*in},
                  correct ? n.output(0) + "/sum_over_window" : n.output(0));
  if (!out) return out.take_error();
  if (correct) {
    // The average counted the explicit zeros: rescale each position by window size / positions in the input.
    const Shape& s = graph().tensor(*out).shape;  // [N, OH, OW, C]
    std::vector<float> factor(static_cast<size_t>(s[1]) * static_cast<size_t>(s[2]));
    const auto& p = plan->pads;
    for (int32_t oy = 0; oy < s[1]; ++oy)
      for (int32_t ox = 0; ox < s[2]; ++ox) {
        auto inside = [](int32_t start, int32_t k, int32_t in) { return std::max(0, std::min(start + k, in) - std::max(start, 0)); };
        const int32_t ny = inside(oy * spec.stride_h - p[0], spec.kernel_h, spec.in_h);
        const int32_t nx = inside(ox * spec.stride_w - p[2], spec.kernel_w, spec.in_w);
        factor[static_cast<size_t>(oy * s[2] + ox)] =
            ny * nx > 0 ? static_cast<float>(spec.kernel_h * spec.kernel_w) / static_cast<float>(ny * nx) : 0.0f;
      }
    const TensorId f = add_constant_f32(n.output(0) + "/count_correction", {1, s[1], s[2], 1}, factor);
    out = emit(n, OpKind::Mul, ElementwiseOptions{}, {*out, f}, n.output(0));
    if (!out) return out.take_error();
  }
  define_activation(n.output(0), *out, Layout::Nhwc);
  return {};
}

Expected<void> Importer::convert_global_average_pool(size_t k) {
  const onnx::NodeProto& n = node(k);
  auto x = image_input(*this, n);
  if (!x) return x.take_error();
  const TensorId axes = add_constant_i32(n.output(0) + "/axes", {2}, {1, 2});
  auto out = emit(n, OpKind::Mean, ReducerOptions{.keep_dims = true}, {(*x)->id, axes}, n.output(0));
  if (!out) return out.take_error();
  define_activation(n.output(0), *out, Layout::Nhwc);
  return {};
}

}  // namespace tinyopt::onnx_format
