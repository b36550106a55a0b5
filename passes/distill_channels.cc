// passes/distill_channels.cc: gradual channel pruning inside distill (see distill_channels.h).
#include "passes/distill_channels.h"

#include <algorithm>
#include <map>

#include "ir/op_traits.h"
#include "passes/prune_layers.h"
#include "reports/model_stats.h"

namespace tinyopt {
namespace {

// Budget and sparsity errors of select_channels name prune's options; here they are distill's.
Error as_distill_error(Error e) {
  if (e.where.option == "prune.macs") e.where.option = "distill.prune-macs";
  else if (e.where.option == "prune.params") e.where.option = "distill.prune-params";
  else if (e.where.option == "prune.sparsity") e.where.option = "distill.final-sparsity";
  return e;
}

bool filter_op(OpKind k) {
  return k == OpKind::Conv2D || k == OpKind::DepthwiseConv2D || k == OpKind::FullyConnected;
}

bool float_constant(const Graph& g, TensorId id) {
  return id != kNoTensor && g.tensor(id).is_constant && g.tensor(id).dtype == DType::Float32;
}

}  // namespace

Expected<GradualChannelPruning> GradualChannelPruning::create(const Graph& g, ChannelPruningTarget target) {
  GradualChannelPruning p;
  p.target_ = std::move(target);
  const std::vector<PrunableLayer> layers = prunable_layers(g);
  if (Expected<void> ok = check_patterns_match(p.target_.skip, layers, "distill.prune-skip"); !ok) return ok.take_error();
  // As the prune pass: the skip list, and the first conv reading a model input (its few filters carry the image).
  for (const PrunableLayer& l : layers) {
    const Op& op = g.ops[static_cast<size_t>(l.op)];
    if (matches_any(p.target_.skip, l) || (op.kind == OpKind::Conv2D && g.is_graph_input(op.inputs[0])))
      p.kept_.insert(l.op);
  }
  // The final target must be reachable before any training time is spent on it.
  if (Expected<std::vector<bool>> last = p.choose(g, 1.0); !last) return as_distill_error(last.take_error());
  p.removed_.assign(p.analysis_.classes.size(), false);
  return p;
}

ChannelTarget GradualChannelPruning::target_at(double progress) const {
  ChannelTarget t;
  t.allocation = target_.allocation;
  t.cap = target_.cap;
  if (target_.budget()) {
    t.sparsity = 0;
    t.macs = 1 - (1 - target_.macs) * progress;
    t.params = 1 - (1 - target_.params) * progress;
  } else {
    t.sparsity = target_.initial + (target_.final - target_.initial) * progress;
  }
  return t;
}

Expected<std::vector<bool>> GradualChannelPruning::choose(const Graph& now, double progress) {
  Expected<ChannelAnalysis> a = analyze_channels(now, kept_, target_.norm);
  if (!a) return a.take_error();
  Expected<ChannelSelection> s = select_channels(now, *a, target_at(progress));
  if (!s) return as_distill_error(s.take_error());
  analysis_ = std::move(*a);
  removed_ = std::move(s->removed);
  return removed_;
}

std::vector<std::pair<TensorId, std::vector<uint8_t>>> GradualChannelPruning::masks(
    const Graph& g, const std::vector<std::pair<TensorId, std::vector<uint8_t>>>& base) const {
  const std::vector<std::vector<bool>> gone = removed_channels(analysis_, removed_);
  std::map<TensorId, std::vector<uint8_t>> out;
  for (const auto& [id, m] : base) out[id] = m;
  // Held at zero along the output-channel axis: a weights tensor [.., C, ..] (axis from op_traits) and a bias [C].
  auto hold = [&](TensorId id, int axis, const std::vector<bool>& channels) {
    const Tensor& t = g.tensor(id);
    if (axis < 0 || static_cast<size_t>(axis) >= t.shape.size() || t.shape[static_cast<size_t>(axis)] != static_cast<int32_t>(channels.size()))
      return;
    std::vector<uint8_t>& m = out[id];
    m.resize(static_cast<size_t>(t.num_elements()), 1);
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
    const auto dim = static_cast<int64_t>(channels.size());
    for (int64_t e = 0; e < static_cast<int64_t>(m.size()); ++e)
      if (channels[static_cast<size_t>((e / inner) % dim)]) m[static_cast<size_t>(e)] = 0;
  };
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (!filter_op(op.kind) || op.outputs.empty() || !float_constant(g, op.input(1))) continue;
    const std::vector<bool>& channels = gone[static_cast<size_t>(op.outputs[0])];
    hold(op.input(1), weight_channel_axis(op.kind), channels);
    if (float_constant(g, op.input(2))) hold(op.input(2), 0, channels);
  }
  return {out.begin(), out.end()};
}

int64_t GradualChannelPruning::removable() const {
  int64_t n = 0;
  for (const ChannelClass& c : analysis_.classes) n += analysis_.groups[static_cast<size_t>(c.group)].removable;
  return n;
}

Expected<GradualChannelPruning::Removal> GradualChannelPruning::remove(Graph& g) const {
  Removal r;
  r.channels_removable = removable();
  r.channels_removed = std::count(removed_.begin(), removed_.end(), true);
  r.before = pruned_size(g, analysis_, std::vector<bool>(removed_.size(), false));
  if (Expected<void> ok = remove_channel_classes(g, analysis_, removed_); !ok) return ok.take_error();
  const ModelStats after = compute_model_stats(g);
  r.after = {after.total_macs, after.total_parameters};
  return r;
}

}  // namespace tinyopt
