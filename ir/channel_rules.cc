// ir/channel_rules.cc: the shape- and option-dependent channel rules of channel_rules.h.
#include "ir/channel_rules.h"

#include "ir/shape_inference.h"

namespace tinyopt {
namespace {

using R = ChannelRule;

// Constant int32/int64 values of `id` (axes, paddings), or empty when it is not such a constant.
std::vector<int64_t> constant_ints(const Graph& g, TensorId id) {
  std::vector<int64_t> v;
  if (id == kNoTensor || !g.tensor(id).is_constant) return v;
  const Tensor& t = g.tensor(id);
  if (t.dtype == DType::Int32) for (int32_t x : t.values<int32_t>()) v.push_back(x);
  if (t.dtype == DType::Int64) for (int64_t x : t.values<int64_t>()) v.push_back(x);
  return v;
}

int64_t normalized(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

ChannelEffect rule(ChannelRule r) { return ChannelEffect{.rule = r}; }

// RESHAPE: the last axis kept (only leading dimensions merged or split) keeps the channels; [N,H,W,C] -> [N,H*W*C]
// read only by FULLY_CONNECTED ops (as their input) spreads them over columns; anything else mixes them.
ChannelEffect reshape_effect(const Graph& g, const Op& op) {
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const TensorId out_id = op.outputs.at(0);
  const Shape& y = g.tensor(out_id).shape;
  if (x.empty() || y.empty()) return rule(R::Blocks);
  if (x.back() == y.back()) return rule(R::Elementwise);
  if (x.size() != 4 || y != Shape{x[0], x[1] * x[2] * x[3]} || g.is_graph_output(out_id)) return rule(R::Blocks);
  const std::vector<int> readers = g.consumers(out_id);
  if (readers.empty()) return rule(R::Blocks);
  for (int r : readers) {
    const Op& fc = g.ops[static_cast<size_t>(r)];
    if (fc.kind != OpKind::FullyConnected || fc.input(0) != out_id || fc.input(1) == out_id) return rule(R::Blocks);
  }
  return ChannelEffect{.rule = R::FlattenIntoFullyConnected, .columns_per_channel = x[1] * x[2]};
}

// FULLY_CONNECTED rows are input elements grouped by the weights' depth: depth C is a [N, C] input (channels are
// the columns); depth H*W*C (the whole of each sample) is a flatten.
ChannelEffect fully_connected_effect(const Graph& g, const Op& op) {
  const Shape& x = g.tensor(op.inputs[0]).shape;
  const Shape& w = g.tensor(op.inputs[1]).shape;
  if (x.empty() || w.size() != 2) return rule(R::Blocks);
  const int64_t depth = w[1], channels = x.back();
  if (depth == channels) return rule(R::Consumes);
  int64_t per_sample = 1;
  for (size_t d = 1; d < x.size(); ++d) per_sample *= x[d];
  if (x.size() >= 2 && depth == per_sample && channels > 0)
    return ChannelEffect{.rule = R::FlattenIntoFullyConnected, .columns_per_channel = static_cast<int32_t>(depth / channels)};
  return rule(R::Blocks);
}

// ADD / SUB / MUL: two activations of one shape are a residual group; a broadcast operand without a channel axis
// (scalar, or last dimension 1) leaves channels independent; any other broadcast blocks.
ChannelEffect elementwise_binary_effect(const Graph& g, const Op& op, size_t slot) {
  if (op.inputs.size() != 2 || op.input(1 - slot) == kNoTensor) return rule(R::Blocks);
  const Tensor& self = g.tensor(op.inputs[slot]);
  const Tensor& other = g.tensor(op.inputs[1 - slot]);
  if (g.tensor(op.outputs.at(0)).shape != self.shape || self.shape.empty()) return rule(R::Blocks);
  if (other.shape == self.shape) return rule(other.is_constant ? R::Blocks : R::Coupled);
  if (other.shape.empty() || other.shape.back() == 1) return rule(R::Elementwise);
  return rule(R::Blocks);
}

ChannelEffect concatenation_effect(const Graph& g, const Op& op, size_t slot) {
  const Shape& x = g.tensor(op.inputs[slot]).shape;
  const int32_t axis = std::holds_alternative<ConcatenationOptions>(op.options) ? op.opts<ConcatenationOptions>().axis : 0;
  if (x.empty()) return rule(R::Blocks);
  // Concatenating along another axis: every input keeps the same channels, so they go together.
  if (normalized(axis, x.size()) != static_cast<int64_t>(x.size()) - 1) return rule(R::Coupled);
  int32_t offset = 0;
  for (size_t k = 0; k < slot; ++k) offset += g.tensor(op.inputs[k]).shape.back();
  return ChannelEffect{.rule = R::Concatenation, .offset = offset};
}

ChannelEffect mean_effect(const Graph& g, const Op& op) {
  const size_t rank = g.tensor(op.inputs[0]).shape.size();
  const std::vector<int64_t> axes = constant_ints(g, op.input(1));
  if (axes.empty() || rank == 0) return rule(R::Blocks);
  for (int64_t a : axes) if (normalized(a, rank) == static_cast<int64_t>(rank) - 1) return rule(R::Blocks);
  return rule(R::Elementwise);
}

ChannelEffect squeeze_effect(const Graph& g, const Op& op) {
  const Shape& x = g.tensor(op.inputs[0]).shape;
  if (x.empty()) return rule(R::Blocks);
  const std::vector<int32_t> dims =
      std::holds_alternative<SqueezeOptions>(op.options) ? op.opts<SqueezeOptions>().squeeze_dims : std::vector<int32_t>{};
  if (dims.empty()) return rule(x.back() == 1 ? R::Blocks : R::Elementwise);
  for (int32_t d : dims) if (normalized(d, x.size()) == static_cast<int64_t>(x.size()) - 1) return rule(R::Blocks);
  return rule(R::Elementwise);
}

ChannelEffect pad_effect(const Graph& g, const Op& op) {
  const size_t rank = g.tensor(op.inputs[0]).shape.size();
  const std::vector<int64_t> p = constant_ints(g, op.input(1));
  if (rank == 0 || p.size() != 2 * rank) return rule(R::Blocks);
  return rule(p[2 * rank - 2] == 0 && p[2 * rank - 1] == 0 ? R::Elementwise : R::Blocks);
}

ChannelEffect strided_slice_effect(const Graph& g, int op_index, const Op& op) {
  auto axes = strided_slice_axes(g, op_index);
  const Shape& x = g.tensor(op.inputs[0]).shape;
  if (!axes || axes->empty() || x.empty()) return rule(R::Blocks);
  const SliceAxis& last = axes->back();
  const bool whole = last.start == 0 && last.stride == 1 && last.size == x.back() && !last.shrink;
  return rule(whole ? R::Elementwise : R::Blocks);
}

}  // namespace

const char* channel_rule_name(ChannelRule r) {
  switch (r) {
    case R::Elementwise: return "elementwise";
    case R::Depthwise: return "depthwise";
    case R::Concatenation: return "concatenation";
    case R::Consumes: return "consumes";
    case R::FlattenIntoFullyConnected: return "flatten-into-fully-connected";
    case R::Coupled: return "coupled";
    case R::Blocks: return "blocks";
  }
  return "?";
}

ChannelEffect channel_effect(const Graph& g, int op_index, size_t slot) {
  if (op_index < 0 || static_cast<size_t>(op_index) >= g.ops.size()) return rule(R::Blocks);
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const OpTraits& t = op_traits(op.kind);
  const TensorId id = op.input(slot);
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size() || g.tensor(id).is_constant || op.outputs.empty())
    return rule(R::Blocks);
  const bool data_input = op.kind == OpKind::Concatenation ? true
                          : t.channel_rule == R::Coupled   ? slot < 2
                                                           : slot == 0;
  if (!data_input) return rule(R::Blocks);
  switch (op.kind) {
    case OpKind::DepthwiseConv2D: {
      const Shape& x = g.tensor(op.inputs[0]).shape;
      const Shape& w = g.tensor(op.input(1)).shape;
      if (x.size() != 4 || w.size() != 4 || x[3] <= 0 || w[3] % x[3] != 0) return rule(R::Blocks);
      return ChannelEffect{.rule = R::Depthwise, .multiplier = w[3] / x[3]};
    }
    case OpKind::FullyConnected: return fully_connected_effect(g, op);
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: return elementwise_binary_effect(g, op, slot);
    case OpKind::Concatenation: return concatenation_effect(g, op, slot);
    case OpKind::Mean: return mean_effect(g, op);
    case OpKind::Reshape: return reshape_effect(g, op);
    case OpKind::Squeeze: return squeeze_effect(g, op);
    case OpKind::Pad: return pad_effect(g, op);
    case OpKind::StridedSlice: return strided_slice_effect(g, op_index, op);
    default: return rule(t.channel_rule);
  }
}

bool channels_fixed(const Graph& g, TensorId id) { return g.is_graph_input(id) || g.is_graph_output(id); }

}  // namespace tinyopt
