// passes/prune.cc: `prune`: magnitude pruning of the weights of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// ops of a float graph (run it after fold-batchnorm, before quantize).
//
//   granularity=element   the smallest |w| of each layer become 0 (passes/prune_masks.h)
//   granularity=N:M       N zeros in every M consecutive weights along the reduction axis (2:4, 1:4, 4:8, ...)
//   granularity=channel   whole output filters go, with everything that depends on them: the graph gets smaller
//                         (passes/channel_groups.h, prune_channels.h, prune_channel_select.h)
// Zeros in a dense tensor save no flash by themselves: the compress pass stores them compactly (TFLM_DECODE).
// Targets: sparsity (fraction of weights, or of channels), or for channels a budget: macs=0.5 / params=0.5 keeps
// that fraction of the model's MACs / parameters. Per-layer values (`layers=[conv_3:0.9]`) and a skip list take
// layer patterns (passes/prune_layers.h). Channel pruning leaves the first conv dense unless it is named.
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"
#include "passes/prune_channel_select.h"
#include "passes/prune_layers.h"
#include "passes/prune_masks.h"
#include "reports/model_stats.h"

namespace tinyopt {
namespace {

struct PruneOptions {
  std::string granularity = "element";
  double sparsity = 0.5;
  double macs = 1.0;
  double params = 1.0;
  Allocation allocation = Allocation::Uniform;
  FilterNorm norm = FilterNorm::L2;
  double max_layer_sparsity = 0.9;
  std::vector<std::string> layers;
  std::vector<std::string> skip;
};

enum class Granularity : uint8_t { Element, NM, Channel };

struct Mode {
  Granularity granularity = Granularity::Element;
  int n = 0, m = 0;
};

// "element", "channel" or "N:M" with 1 <= N < M.
Expected<Mode> parse_granularity(const std::string& text) {
  if (text == "element") return Mode{Granularity::Element};
  if (text == "channel") return Mode{Granularity::Channel};
  int n = 0, m = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d:%d%c", &n, &m, &tail) == 2) {
    if (m < 2 || n < 1 || n >= m)
      return fail(Errc::BadInput, {.option = "prune.granularity"}, "'{}': N:M needs 1 <= N < M and M >= 2", text);
    return Mode{Granularity::NM, n, m};
  }
  return fail(Errc::BadInput, {.option = "prune.granularity"}, "'{}' is not element, channel or N:M (e.g. 2:4)", text);
}

std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }

int64_t zeros_in(const Tensor& w) {
  int64_t z = 0;
  for (float x : w.values<float>()) z += x == 0.0f;
  return z;
}

class PrunePass : public Pass {
 public:
  PrunePass(PruneOptions o, Mode mode) : o_(std::move(o)), mode_(mode) {}

  Expected<PassResult> run(Graph& g, PassContext&) override {
    for (const Tensor& t : g.tensors)
      if (!t.is_constant && (t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int16))
        return fail(Errc::BadInput, {.file = g.source, .tensor = t.name},
                    "prune works on float models: this one is quantized; prune the float model, then quantize it");
    layers_ = prunable_layers(g);
    if (Expected<void> ok = check_patterns_match(o_.skip, layers_, "prune.skip"); !ok) return ok.take_error();
    Expected<std::vector<LayerOverride>> overrides = parse_layer_overrides(o_.layers, 0.0, 1.0, "prune.layers");
    if (!overrides) return overrides.take_error();
    overrides_ = std::move(*overrides);
    std::vector<std::string> patterns;
    for (const LayerOverride& x : overrides_) patterns.push_back(x.pattern);
    if (Expected<void> ok = check_patterns_match(patterns, layers_, "prune.layers"); !ok) return ok.take_error();
    if (mode_.granularity == Granularity::NM && !overrides_.empty())
      return fail(Errc::BadInput, {.option = "prune.layers"},
                  "per-layer values apply to element and channel granularity; use skip= to keep N:M layers dense");
    switch (mode_.granularity) {
      case Granularity::Element: return prune_elements(g);
      case Granularity::NM: return prune_n_m_blocks(g);
      case Granularity::Channel: return prune_channels(g);
    }
    return PassResult{};
  }

 private:
  bool skipped(const PrunableLayer& l) const { return matches_any(o_.skip, l); }

  // Per-layer zeros and the overall figures, after element or N:M pruning.
  PassResult weight_sparsity_result(const Graph& g, const std::string& what) const {
    PassResult r;
    int64_t zeros = 0, weights = 0;
    for (const PrunableLayer& l : layers_) {
      const Tensor& w = g.tensor(g.ops[static_cast<size_t>(l.op)].inputs[1]);
      const int64_t z = zeros_in(w), n = w.num_elements();
      zeros += z, weights += n;
      r.layers.push_back({l.op, l.name, {{"weights", static_cast<double>(n)}, {"zeros", static_cast<double>(z)},
                                         {"sparsity", n ? static_cast<double>(z) / static_cast<double>(n) : 0.0}}});
    }
    r.changed = true;
    r.counters = {{"weights", weights}, {"zeros", zeros}, {"layers", static_cast<int64_t>(layers_.size())}};
    r.summary = fmt::format("{}: {} of {} weights in {} layers are zero ({})", what, zeros, weights, layers_.size(),
                            pct(weights ? static_cast<double>(zeros) / static_cast<double>(weights) : 0.0));
    return r;
  }

  Expected<PassResult> prune_elements(Graph& g) {
    // Layers with their own value, and the rest: uniform at `sparsity`, or ranked globally.
    std::vector<size_t> ranked;
    for (size_t k = 0; k < layers_.size(); ++k) {
      const PrunableLayer& l = layers_[k];
      if (skipped(l)) continue;
      const std::optional<double> own = override_for(overrides_, l);
      if (!own && o_.allocation == Allocation::Global) {
        ranked.push_back(k);
        continue;
      }
      const double s = own.value_or(o_.sparsity);
      Tensor& w = g.tensor(own_constant_input(g, l.op, 1));
      zero_smallest(w.mutable_values<float>(), std::llround(s * static_cast<double>(w.num_elements())));
    }
    if (!ranked.empty()) {
      std::vector<std::span<const float>> values;
      std::vector<int64_t> caps;
      int64_t total = 0;
      for (size_t k : ranked) {
        TensorId id = own_constant_input(g, layers_[k].op, 1);
        const int64_t n = g.tensor(id).num_elements();
        total += n;
        caps.push_back(static_cast<int64_t>(std::floor(o_.max_layer_sparsity * static_cast<double>(n))));
      }
      for (size_t k : ranked) values.push_back(g.tensor(g.ops[static_cast<size_t>(layers_[k].op)].inputs[1]).values<float>());
      const int64_t want = std::llround(o_.sparsity * static_cast<double>(total));
      const std::vector<int64_t> counts = global_prune_counts(values, want, caps);
      int64_t reached = 0;
      for (int64_t c : counts) reached += c;
      if (reached < want)
        return fail(Errc::BadInput, {.option = "prune.sparsity"},
                    "sparsity {} cannot be met with at most {} of each layer pruned: {} of {} weights reached ({})",
                    o_.sparsity, o_.max_layer_sparsity, reached, total,
                    pct(static_cast<double>(reached) / static_cast<double>(total)));
      for (size_t j = 0; j < ranked.size(); ++j)
        zero_smallest(g.tensor(g.ops[static_cast<size_t>(layers_[ranked[j]].op)].inputs[1]).mutable_values<float>(),
                      counts[j]);
    }
    return weight_sparsity_result(g, "element");
  }

  Expected<PassResult> prune_n_m_blocks(Graph& g) {
    std::vector<std::string> partial;
    for (const PrunableLayer& l : layers_) {
      if (skipped(l)) continue;
      const OpKind kind = g.ops[static_cast<size_t>(l.op)].kind;
      const NMResult r = prune_n_m(g.tensor(own_constant_input(g, l.op, 1)), kind, mode_.n, mode_.m);
      if (r.partial_blocks > 0)
        partial.push_back(fmt::format("{} (reduction length {})", l.name, r.reduction));
    }
    PassResult res = weight_sparsity_result(g, fmt::format("{}:{}", mode_.n, mode_.m));
    if (!partial.empty())
      res.notes.push_back(fmt::format(
          "{} layer(s) with a reduction length not a multiple of {}: their last block of r weights was pruned as if "
          "padded with zeros (max(0, {} - ({} - r)) zeros): {}",
          partial.size(), mode_.m, mode_.n, mode_.m, fmt::join(partial, ", ")));
    return res;
  }

  Expected<PassResult> prune_channels(Graph& g) {
    // Kept dense: the skip list, and the first conv reading a model input unless a per-layer value names it.
    std::set<int> kept;
    for (const PrunableLayer& l : layers_) {
      if (skipped(l)) kept.insert(l.op);
      const Op& op = g.ops[static_cast<size_t>(l.op)];
      if (op.kind == OpKind::Conv2D && g.is_graph_input(op.inputs[0]) && !override_for(overrides_, l)) kept.insert(l.op);
    }
    Expected<ChannelAnalysis> a = analyze_channels(g, kept, o_.norm);
    if (!a) return a.take_error();
    ChannelTarget t{.sparsity = o_.sparsity, .macs = o_.macs, .params = o_.params, .allocation = o_.allocation,
                    .cap = o_.max_layer_sparsity, .group_fraction = {}};
    t.group_fraction.resize(a->groups.size());
    for (size_t gi = 0; gi < a->groups.size(); ++gi)
      for (int op : a->groups[gi].producers)
        for (const PrunableLayer& l : layers_)
          if (l.op == op && !t.group_fraction[gi]) t.group_fraction[gi] = override_for(overrides_, l);
    Expected<ChannelSelection> s = select_channels(g, *a, t);
    if (!s) return s.take_error();

    // Per-layer figures before the rewrite renumbers nothing: ops keep their indices, shapes shrink.
    PassResult r;
    const auto gone = removed_channels(*a, s->removed);
    int64_t removed = 0, removable = 0;
    for (const ChannelClass& c : a->classes)
      if (a->groups[static_cast<size_t>(c.group)].removable) ++removable;
    for (bool b : s->removed) removed += b;
    for (const PrunableLayer& l : layers_) {
      const auto& out = gone[static_cast<size_t>(g.ops[static_cast<size_t>(l.op)].outputs[0])];
      int64_t lost = 0;
      for (bool b : out) lost += b;
      r.layers.push_back({l.op, l.name, {{"channels", static_cast<double>(out.size())},
                                         {"channels_kept", static_cast<double>(out.size()) - static_cast<double>(lost)}}});
    }
    for (const ChannelGroup& grp : a->groups)
      if (!grp.removable) {
        std::vector<std::string> names;
        for (int op : grp.producers) names.push_back(g.tensor(g.ops[static_cast<size_t>(op)].outputs[0]).name);
        r.notes.push_back(fmt::format("left whole: {} ({})", fmt::join(names, ", "), grp.blocked_by));
      }
    if (Expected<void> ok = remove_channel_classes(g, *a, s->removed); !ok) return ok.take_error();
    const ModelStats after = compute_model_stats(g);
    r.changed = removed > 0;
    r.counters = {{"channels_removed", removed}, {"channels_removable", removable},
                  {"macs_before", s->before.macs}, {"macs_after", after.total_macs},
                  {"params_before", s->before.parameters}, {"params_after", after.total_parameters}};
    auto frac = [](int64_t a, int64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    r.summary = fmt::format("channel: removed {} of {} removable channels; MACs {} -> {} ({}), parameters {} -> {} ({})",
                            removed, removable, s->before.macs, after.total_macs, pct(frac(after.total_macs, s->before.macs)),
                            s->before.parameters, after.total_parameters,
                            pct(frac(after.total_parameters, s->before.parameters)));
    return r;
  }

  PruneOptions o_;
  Mode mode_;
  std::vector<PrunableLayer> layers_;
  std::vector<LayerOverride> overrides_;
};

Expected<std::unique_ptr<Pass>> make_prune(PruneOptions o) {
  Expected<Mode> mode = parse_granularity(o.granularity);
  if (!mode) return mode.take_error();
  if (!(o.sparsity < 1.0))
    return fail(Errc::BadInput, {.option = "prune.sparsity"}, "{} is outside [0, 1)", o.sparsity);
  if (!(o.macs > 0.0) || !(o.params > 0.0))
    return fail(Errc::BadInput, {.option = o.macs > 0.0 ? "prune.params" : "prune.macs"},
                "a budget is the fraction to keep, in (0, 1]");
  if ((o.macs < 1.0 || o.params < 1.0) && mode->granularity != Granularity::Channel)
    return fail(Errc::BadInput, {.option = o.macs < 1.0 ? "prune.macs" : "prune.params"},
                "MACs and parameter budgets apply to granularity=channel (zeros alone do not lower them)");
  return std::unique_ptr<Pass>(std::make_unique<PrunePass>(std::move(o), *mode));
}

}  // namespace

PassInfo prune_pass_info() {
  using O = PruneOptions;
  return pass_info<O>(
      "prune", "Magnitude pruning of conv/depthwise/FC weights: element, N:M, or whole channels removed from the graph.",
      {option("granularity", &O::granularity, "element, N:M (e.g. 2:4: N zeros in every M input-channel weights) or channel"),
       option("sparsity", &O::sparsity, "fraction of weights (channels) to remove, in [0, 1)", OptionRange{0, 1}),
       option("macs", &O::macs, "channel: keep at most this fraction of the MACs (1: no budget)", OptionRange{0, 1}),
       option("params", &O::params, "channel: keep at most this fraction of the parameters (1: no budget)", OptionRange{0, 1}),
       option("allocation", &O::allocation, "uniform: every layer alike; global: ranked across layers",
              EnumNames<Allocation>{{"uniform", Allocation::Uniform}, {"global", Allocation::Global}}),
       option("norm", &O::norm, "channel ranking: L1 or L2 norm of each filter, summed over a residual group",
              EnumNames<FilterNorm>{{"l2", FilterNorm::L2}, {"l1", FilterNorm::L1}}),
       option("max-layer-sparsity", &O::max_layer_sparsity, "global/budget: most of one layer that may go",
              OptionRange{0, 0.99}),
       option("layers", &O::layers, "per-layer values: pattern:sparsity (name glob or #op), e.g. [conv_3:0.9]"),
       option("skip", &O::skip, "layers left dense: patterns (name glob or #op)")},
      make_prune);
}

}  // namespace tinyopt
