// reports/model_stats.cc: MACs, parameters, weight bytes and key parameters per op (rules in model_stats.h).
#include "reports/model_stats.h"

#include <set>

#include <fmt/format.h>

#include "ir/tflm_decode.h"

namespace tinyopt {
namespace {

bool valid_id(const Graph& g, TensorId id) { return id >= 0 && static_cast<size_t>(id) < g.tensors.size(); }

// Input positions of `kind` that hold data (weights, biases, constant operands) rather than shapes or indices.
bool is_data_operand(OpKind kind, size_t input) {
  switch (kind) {
    case OpKind::Reshape: case OpKind::Pad: case OpKind::Mean: case OpKind::Transpose: case OpKind::StridedSlice:
      return input == 0;
    case OpKind::TransposeConv:
      return input != 0;  // input 0 is the output shape
    default:
      return true;
  }
}

std::string hw(int32_t h, int32_t w) { return fmt::format("{}x{}", h, w); }

void add_activation(std::vector<std::pair<std::string, std::string>>& p, Activation a) {
  if (a != Activation::None) p.emplace_back("act", activation_name(a));
}

std::vector<std::pair<std::string, std::string>> key_params(const Graph& g, const Op& op) {
  std::vector<std::pair<std::string, std::string>> p;
  const TensorId w = op.input(1);
  const Shape* ws = valid_id(g, w) ? &g.tensor(w).shape : nullptr;
  if (const auto* o = std::get_if<Conv2DOptions>(&op.options)) {
    if (ws && ws->size() == 4) p.emplace_back("kernel", hw((*ws)[1], (*ws)[2]));
    if (ws && ws->size() == 4) p.emplace_back("filters", std::to_string((*ws)[0]));
    p.emplace_back("stride", hw(o->stride_h, o->stride_w));
    p.emplace_back("padding", padding_name(o->padding));
    if (o->dilation_h != 1 || o->dilation_w != 1) p.emplace_back("dilation", hw(o->dilation_h, o->dilation_w));
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options)) {
    if (ws && ws->size() == 4) p.emplace_back("kernel", hw((*ws)[1], (*ws)[2]));
    p.emplace_back("stride", hw(o->stride_h, o->stride_w));
    p.emplace_back("padding", padding_name(o->padding));
    if (o->depth_multiplier != 1) p.emplace_back("multiplier", std::to_string(o->depth_multiplier));
    if (o->dilation_h != 1 || o->dilation_w != 1) p.emplace_back("dilation", hw(o->dilation_h, o->dilation_w));
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<FullyConnectedOptions>(&op.options)) {
    if (ws && ws->size() == 2) p.emplace_back("units", std::to_string((*ws)[0]));
    add_activation(p, o->activation);
    if (o->keep_num_dims) p.emplace_back("keep_num_dims", "true");
  } else if (const auto* o = std::get_if<Pool2DOptions>(&op.options)) {
    p.emplace_back("pool", hw(o->filter_h, o->filter_w));
    p.emplace_back("stride", hw(o->stride_h, o->stride_w));
    p.emplace_back("padding", padding_name(o->padding));
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<ElementwiseOptions>(&op.options)) {
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<SoftmaxOptions>(&op.options)) {
    p.emplace_back("beta", fmt::format("{}", o->beta));
  } else if (const auto* o = std::get_if<LeakyReluOptions>(&op.options)) {
    p.emplace_back("alpha", fmt::format("{}", o->alpha));
  } else if (const auto* o = std::get_if<ConcatenationOptions>(&op.options)) {
    p.emplace_back("axis", std::to_string(o->axis));
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<ReducerOptions>(&op.options)) {
    p.emplace_back("keep_dims", o->keep_dims ? "true" : "false");
  } else if (const auto* o = std::get_if<TransposeConvOptions>(&op.options)) {
    if (ws && ws->size() == 4) p.emplace_back("kernel", hw((*ws)[1], (*ws)[2]));
    if (ws && ws->size() == 4) p.emplace_back("filters", std::to_string((*ws)[0]));
    p.emplace_back("stride", hw(o->stride_h, o->stride_w));
    p.emplace_back("padding", padding_name(o->padding));
  } else if (const auto* o = std::get_if<SvdfOptions>(&op.options)) {
    if (ws && ws->size() == 2) p.emplace_back("filters", std::to_string((*ws)[0]));
    p.emplace_back("rank", std::to_string(o->rank));
    add_activation(p, o->activation);
  } else if (const auto* o = std::get_if<SequenceLstmOptions>(&op.options)) {
    const TensorId wf = op.input(2);
    if (valid_id(g, wf) && g.tensor(wf).shape.size() == 2) p.emplace_back("cells", std::to_string(g.tensor(wf).shape[0]));
    if (o->cell_clip > 0) p.emplace_back("cell_clip", fmt::format("{}", o->cell_clip));
    if (o->time_major) p.emplace_back("time_major", "true");
  } else if (const auto* o = std::get_if<SqueezeOptions>(&op.options)) {
    if (!o->squeeze_dims.empty()) p.emplace_back("dims", fmt::format("[{}]", fmt::join(o->squeeze_dims, ",")));
  }
  return p;
}

}  // namespace

int64_t op_macs(const Graph& g, int op_index) {
  if (op_index < 0 || static_cast<size_t>(op_index) >= g.ops.size()) return 0;
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  if (op.outputs.empty() || !valid_id(g, op.outputs[0]) || !valid_id(g, op.input(1))) return 0;
  const std::optional<int64_t> out = checked_num_elements(g.tensor(op.outputs[0]).shape);
  const Shape& w = g.tensor(op.input(1)).shape;
  if (!out) return 0;
  switch (op.kind) {
    case OpKind::Conv2D:
      return w.size() == 4 ? *out * int64_t{w[1]} * w[2] * w[3] : 0;
    case OpKind::DepthwiseConv2D:
      return w.size() == 4 ? *out * int64_t{w[1]} * w[2] : 0;
    case OpKind::FullyConnected:
      return w.size() == 2 ? *out * int64_t{w[1]} : 0;
    case OpKind::TransposeConv: {
      // Every input element is scattered through the whole filter: in_elements x kh x kw x out_channels (taps
      // that fall outside the output are skipped by the kernel, so this is an upper bound at the borders).
      const TensorId x = op.input(2);
      if (w.size() != 4 || !valid_id(g, x)) return 0;
      return g.tensor(x).num_elements() * int64_t{w[0]} * w[1] * w[2];
    }
    case OpKind::Svdf: {
      // Feature matmul (filters x input per batch) + time dot products (filters x memory per batch).
      const TensorId wt = op.input(2);
      const TensorId x = op.input(0);
      if (w.size() != 2 || !valid_id(g, wt) || !valid_id(g, x) || g.tensor(wt).shape.size() != 2) return 0;
      const int64_t batch = g.tensor(x).shape.empty() ? 1 : g.tensor(x).shape[0];
      return batch * int64_t{w[0]} * (w[1] + g.tensor(wt).shape[1]);
    }
    case OpKind::SequenceLstm: {
      // Per time step and batch: 4 gates x cells x (inputs + outputs) for the input and recurrent products.
      const TensorId wf = op.input(2), rf = op.input(6);
      if (!valid_id(g, wf) || !valid_id(g, rf)) return 0;
      const Shape& a = g.tensor(wf).shape;
      const Shape& r = g.tensor(rf).shape;
      if (a.size() != 2 || r.size() != 2) return 0;
      const int64_t steps = r[1] > 0 ? *out / r[1] : 0;  // batch x time
      const int64_t gates = op.input(1) == kNoTensor ? 3 : 4;
      return steps * gates * int64_t{a[0]} * (a[1] + r[1]);
    }
    default:
      return 0;
  }
}

ModelStats compute_model_stats(const Graph& g) {
  ModelStats s;
  std::set<TensorId> counted;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    OpStats o;
    o.index = static_cast<int>(i);
    o.op = std::string(op_kind_name(op.kind));
    if (!op.outputs.empty() && valid_id(g, op.outputs[0])) o.output_shape = g.tensor(op.outputs[0]).shape;
    o.params = key_params(g, op);
    o.macs = op_macs(g, o.index);
    if (op.kind == OpKind::Decode && op.inputs.size() == 2 && valid_id(g, op.inputs[0]) && valid_id(g, op.inputs[1]) &&
        !op.outputs.empty() && valid_id(g, op.outputs[0])) {
      const Tensor& enc = g.tensor(op.inputs[0]);
      const Tensor& anc = g.tensor(op.inputs[1]);
      const Tensor& out = g.tensor(op.outputs[0]);
      EncodedWeight e{.op = o.index, .tensor = out.name, .encoding = "?",
                      .plain_bytes = static_cast<int64_t>(out.byte_size()),
                      .stored_bytes = static_cast<int64_t>(enc.data.size() + anc.data.size())};
      if (auto h = parse_decode_header(anc.data, {})) {
        e.encoding = decode_type_name(h->type);
        e.bits = h->bits;
      }
      if (auto l = decode_layout(out, {})) e.channels = l->channels;
      o.params.emplace_back("encoding", e.bits ? fmt::format("{}{}", e.encoding, e.bits) : e.encoding);
      o.params.emplace_back("bytes", fmt::format("{}->{}", e.plain_bytes, e.stored_bytes));
      o.parameters = out.num_elements();
      for (TensorId id : op.inputs)
        if (counted.insert(id).second) o.weight_bytes += static_cast<int64_t>(g.tensor(id).data.size());
      s.encoded.push_back(std::move(e));
      s.total_parameters += o.parameters;
      s.total_weight_bytes += o.weight_bytes;
      s.ops.push_back(std::move(o));
      continue;
    }
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const TensorId id = op.inputs[k];
      if (!valid_id(g, id) || !is_data_operand(op.kind, k)) continue;
      const Tensor& t = g.tensor(id);
      if (!t.is_constant || !counted.insert(id).second) continue;
      o.parameters += checked_num_elements(t.shape).value_or(0);
      o.weight_bytes += static_cast<int64_t>(t.data.size());
    }
    s.total_macs += o.macs;
    s.total_parameters += o.parameters;
    s.total_weight_bytes += o.weight_bytes;
    s.ops.push_back(std::move(o));
  }
  return s;
}

std::string describe_quant(const Tensor& t) {
  if (!t.quant || t.quant->scale.empty()) return "-";
  if (t.quant->per_channel()) return fmt::format("per-channel x{} (axis {})", t.quant->channels(), t.quant->axis);
  return fmt::format("scale={} zp={}", t.quant->scale[0], t.quant->zero_point.empty() ? 0 : t.quant->zero_point[0]);
}

}  // namespace tinyopt
