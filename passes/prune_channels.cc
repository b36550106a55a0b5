// passes/prune_channels.cc: the rewrite and the size estimate of prune_channels.h.
#include "passes/prune_channels.h"

#include <cstring>
#include <set>

#include <fmt/format.h>

#include "ir/shape_inference.h"
#include "passes/graph_rewrite.h"
#include "reports/model_stats.h"

namespace tinyopt {
namespace {

int64_t count(const std::vector<bool>& v) {
  int64_t n = 0;
  for (bool b : v) n += b;
  return n;
}

// What an op with weights loses: output channels (weights' output axis, bias) and input channels / columns.
struct WeightCut {
  std::vector<bool> out;  // per weights output channel
  std::vector<bool> in;   // per CONV_2D input channel (axis 3) or FULLY_CONNECTED column (axis 1); empty: none
};

// The cut of op `i` (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED), or nullopt for other ops.
std::optional<WeightCut> weight_cut(const Graph& g, int i, const std::vector<std::vector<bool>>& gone) {
  const Op& op = g.ops[static_cast<size_t>(i)];
  if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected)
    return std::nullopt;
  if (op.outputs.empty() || op.input(1) == kNoTensor) return std::nullopt;
  const Shape& w = g.tensor(op.input(1)).shape;
  const int axis = weight_channel_axis(op.kind);
  const int64_t out_channels = w.at(static_cast<size_t>(axis));
  WeightCut cut;
  const auto& out_gone = gone[static_cast<size_t>(op.outputs[0])];
  cut.out = out_gone.size() == static_cast<size_t>(out_channels) ? out_gone : std::vector<bool>(out_channels, false);
  if (op.kind == OpKind::DepthwiseConv2D) return cut;  // its input channels are its output channels' sources
  const TensorId x = op.input(0);
  const auto& in_gone = x == kNoTensor ? std::vector<bool>{} : gone[static_cast<size_t>(x)];
  const int64_t depth = op.kind == OpKind::Conv2D ? w.at(3) : w.at(1);
  if (in_gone.size() == static_cast<size_t>(depth)) cut.in = in_gone;
  else if (!in_gone.empty() && depth % static_cast<int64_t>(in_gone.size()) == 0) {
    // A FULLY_CONNECTED reading [N,H,W,C] directly: column p*C + c is channel c.
    cut.in.resize(static_cast<size_t>(depth));
    for (int64_t j = 0; j < depth; ++j) cut.in[static_cast<size_t>(j)] = in_gone[static_cast<size_t>(j) % in_gone.size()];
  }
  return cut;
}

// Removes the entries along `axis` flagged in `drop` from constant or activation tensor `t` (shape, data,
// per-channel quantization along that axis).
void erase_along(Tensor& t, int axis, const std::vector<bool>& drop) {
  const int64_t n = t.shape.at(static_cast<size_t>(axis));
  if (count(drop) == 0) return;
  if (t.is_constant && !t.data.empty()) {
    const size_t elem = dtype_size(t.dtype);
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
    const int64_t outer = t.num_elements() / (n * inner);
    std::vector<uint8_t> kept;
    kept.reserve(t.data.size());
    const size_t run = static_cast<size_t>(inner) * elem;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < n; ++c)
        if (!drop[static_cast<size_t>(c)]) {
          const uint8_t* src = t.data.data() + static_cast<size_t>(o * n + c) * run;
          kept.insert(kept.end(), src, src + run);
        }
    t.data = std::move(kept);
  }
  if (t.quant && t.quant->per_channel() && t.quant->axis == axis && t.quant->channels() == static_cast<size_t>(n)) {
    QuantParams q = *t.quant;
    q.scale.clear(), q.zero_point.clear();
    for (int64_t c = 0; c < n; ++c)
      if (!drop[static_cast<size_t>(c)]) {
        q.scale.push_back(t.quant->scale[static_cast<size_t>(c)]);
        q.zero_point.push_back(t.quant->zero_point[static_cast<size_t>(c)]);
      }
    t.quant = std::move(q);
  }
  t.shape[static_cast<size_t>(axis)] = static_cast<int32_t>(n - count(drop));
}

// Rewrites the last element of a RESHAPE target (options and shape operand) from `from` to `to`.
void retarget_reshape(Graph& g, int i, int32_t from, int32_t to) {
  Op& op = g.ops[static_cast<size_t>(i)];
  if (auto* o = std::get_if<ReshapeOptions>(&op.options); o && !o->new_shape.empty() && o->new_shape.back() == from)
    o->new_shape.back() = to;
  if (op.input(1) == kNoTensor) return;
  const TensorId id = own_constant_input(g, i, 1);
  Tensor& s = g.tensor(id);
  if (!s.is_constant || s.data.empty()) return;
  if (s.dtype == DType::Int32 && s.values<int32_t>().back() == from) s.mutable_values<int32_t>().back() = to;
  if (s.dtype == DType::Int64 && s.values<int64_t>().back() == from) s.mutable_values<int64_t>().back() = to;
}

// A STRIDED_SLICE that takes the whole channel axis with an explicit end keeps doing so.
void retarget_slice_end(Graph& g, int i, int32_t from, int32_t to) {
  if (g.ops[static_cast<size_t>(i)].input(2) == kNoTensor) return;
  const TensorId id = own_constant_input(g, i, 2);
  Tensor& e = g.tensor(id);
  const size_t rank = g.tensor(g.ops[static_cast<size_t>(i)].inputs[0]).shape.size();
  if (!e.is_constant || e.dtype != DType::Int32 || e.values<int32_t>().size() != rank) return;
  if (e.values<int32_t>().back() == from) e.mutable_values<int32_t>().back() = to;
}

}  // namespace

std::vector<std::vector<bool>> removed_channels(const ChannelAnalysis& a, const std::vector<bool>& removed) {
  std::vector<std::vector<bool>> gone(a.origin.size());
  for (size_t t = 0; t < a.origin.size(); ++t)
    for (int32_t c : a.origin[t]) gone[t].push_back(c >= 0 && removed[static_cast<size_t>(c)]);
  return gone;
}

PrunedSize pruned_size(const Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed) {
  const ModelStats before = compute_model_stats(g);
  return pruned_size(g, a, removed, PrunedSize{before.total_macs, before.total_parameters});
}

PrunedSize pruned_size(const Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed, PrunedSize unpruned) {
  const auto gone = removed_channels(a, removed);
  PrunedSize s = unpruned;
  std::set<TensorId> counted;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const std::optional<WeightCut> cut = weight_cut(g, static_cast<int>(i), gone);
    if (!cut) continue;
    const Op& op = g.ops[i];
    const Shape& w = g.tensor(op.inputs[1]).shape;
    const int64_t out_kept = static_cast<int64_t>(cut->out.size()) - count(cut->out);
    const int64_t in_all = op.kind == OpKind::Conv2D ? w[3] : op.kind == OpKind::FullyConnected ? w[1] : 1;
    const int64_t in_kept = in_all - count(cut->in);
    const int64_t window = op.kind == OpKind::FullyConnected ? 1 : int64_t{w[1]} * w[2];
    // Output positions: the output's elements per output channel.
    const int64_t channels = static_cast<int64_t>(cut->out.size());
    const int64_t positions = channels > 0 ? g.tensor(op.outputs[0]).num_elements() / channels : 0;
    s.macs += positions * window * (out_kept * in_kept - channels * in_all);
    if (counted.insert(op.inputs[1]).second) s.parameters -= window * (channels * in_all - out_kept * in_kept);
    if (op.input(2) != kNoTensor && counted.insert(op.inputs[2]).second) s.parameters -= count(cut->out);
  }
  return s;
}

Expected<void> remove_channel_classes(Graph& g, const ChannelAnalysis& a, const std::vector<bool>& removed) {
  const auto gone = removed_channels(a, removed);
  const size_t original_tensors = g.tensors.size();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const std::optional<WeightCut> cut = weight_cut(g, static_cast<int>(i), gone);
    if (cut && (count(cut->out) > 0 || count(cut->in) > 0)) {
      const OpKind kind = g.ops[i].kind;
      Tensor& w = g.tensor(own_constant_input(g, static_cast<int>(i), 1));
      erase_along(w, weight_channel_axis(kind), cut->out);
      if (!cut->in.empty()) erase_along(w, kind == OpKind::Conv2D ? 3 : 1, cut->in);
      if (g.ops[i].input(2) != kNoTensor) erase_along(g.tensor(own_constant_input(g, static_cast<int>(i), 2)), 0, cut->out);
    }
    const Op& op = g.ops[i];
    if (op.outputs.empty()) continue;
    const auto& out_gone = gone[static_cast<size_t>(op.outputs[0])];
    const int64_t dropped = count(out_gone);
    if (dropped == 0) continue;
    const int32_t before = g.tensor(op.outputs[0]).shape.back();
    const int32_t after = static_cast<int32_t>(before - dropped);
    if (op.kind == OpKind::Reshape) retarget_reshape(g, static_cast<int>(i), before, after);
    if (op.kind == OpKind::StridedSlice) retarget_slice_end(g, static_cast<int>(i), before, after);
  }
  for (size_t t = 0; t < original_tensors; ++t) {
    Tensor& x = g.tensors[t];
    if (x.is_constant || gone[t].empty() || count(gone[t]) == 0) continue;
    erase_along(x, static_cast<int>(x.shape.size()) - 1, gone[t]);
  }
  // The rewrite must agree with shape inference everywhere.
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Expected<std::vector<Shape>> shapes = infer_output_shapes(g, static_cast<int>(i));
    if (!shapes) return shapes.take_error();
    for (size_t k = 0; k < shapes->size() && k < g.ops[i].outputs.size(); ++k)
      if ((*shapes)[k] != g.tensor(g.ops[i].outputs[k]).shape)
        return fail(Errc::Internal, g.where(static_cast<int>(i)),
                    "channel pruning left output '{}' with shape {} where the op computes {}",
                    g.tensor(g.ops[i].outputs[k]).name, shape_to_string(g.tensor(g.ops[i].outputs[k]).shape),
                    shape_to_string((*shapes)[k]));
  }
  drop_unreferenced_tensors(g);
  return g.validate();
}

}  // namespace tinyopt
