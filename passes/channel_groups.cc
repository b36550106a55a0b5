// passes/channel_groups.cc: the walk of channel_groups.h.
#include "passes/channel_groups.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "ir/channel_rules.h"
#include "ir/op_traits.h"

namespace tinyopt {
namespace {

// Elements with union-find; a root carries the first reason any of its members was blocked for.
class Elements {
 public:
  int32_t add(std::optional<Filter> filter, std::string blocked = {}) {
    parent_.push_back(static_cast<int32_t>(parent_.size()));
    filter_.push_back(filter);
    blocked_.push_back(std::move(blocked));
    return parent_.back();
  }
  int32_t find(int32_t e) {
    while (parent_[e] != e) e = parent_[e] = parent_[parent_[e]];
    return e;
  }
  void unite(int32_t a, int32_t b) {
    a = find(a), b = find(b);
    if (a == b) return;
    if (b < a) std::swap(a, b);  // the lower id is the root: deterministic
    parent_[b] = a;
    if (blocked_[a].empty()) blocked_[a] = std::move(blocked_[b]);
  }
  void block(int32_t e, const std::string& why) {
    e = find(e);
    if (blocked_[e].empty()) blocked_[e] = why;
  }
  const std::string& blocked(int32_t e) { return blocked_[find(e)]; }
  const std::optional<Filter>& filter(int32_t e) const { return filter_[e]; }
  size_t size() const { return parent_.size(); }

 private:
  std::vector<int32_t> parent_;
  std::vector<std::optional<Filter>> filter_;
  std::vector<std::string> blocked_;
};

std::string op_label(const Graph& g, int i) {
  const Op& op = g.ops[static_cast<size_t>(i)];
  const std::string out = op.outputs.empty() ? "" : g.tensor(op.outputs[0]).name;
  return fmt::format("op #{} {} '{}'", i, op_kind_name(op.kind), out);
}

// The L1 or L2 norm of output channel c of float weights `w` along `axis`, and the same norm of a filter of ones.
std::pair<double, double> filter_norm(const Tensor& w, int axis, int32_t c, FilterNorm norm) {
  const auto v = w.values<float>();
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  const int64_t channels = w.shape[static_cast<size_t>(axis)];
  const int64_t outer = static_cast<int64_t>(v.size()) / (channels * inner);
  double sum = 0;
  int64_t n = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k, ++n) {
      const double x = v[static_cast<size_t>((o * channels + c) * inner + k)];
      sum += norm == FilterNorm::L1 ? std::fabs(x) : x * x;
    }
  if (norm == FilterNorm::L1) return {sum, static_cast<double>(n)};
  return {std::sqrt(sum), std::sqrt(static_cast<double>(n))};
}

class Walk {
 public:
  Walk(const Graph& g, const std::set<int>& kept) : g_(g), kept_(kept), origin_(g.tensors.size()) {}

  void run() {
    for (TensorId in : g_.inputs) fresh(in, "meets a channel of model input '" + g_.tensor(in).name + "'");
    for (size_t i = 0; i < g_.ops.size(); ++i) visit(static_cast<int>(i));
    for (TensorId out : g_.outputs)
      for (int32_t e : origin_[static_cast<size_t>(out)])
        elements_.block(e, "reaches model output '" + g_.tensor(out).name + "'");
  }

  Elements& elements() { return elements_; }
  std::vector<std::vector<int32_t>>& origin() { return origin_; }

 private:
  int64_t channels(TensorId id) const {
    const Shape& s = g_.tensor(id).shape;
    return s.empty() ? 0 : s.back();
  }
  // New elements for every channel of `id`, none of them removable.
  void fresh(TensorId id, const std::string& why) {
    auto& o = origin_[static_cast<size_t>(id)];
    o.clear();
    for (int64_t c = 0; c < channels(id); ++c) o.push_back(elements_.add(std::nullopt, why));
  }
  void block_all(TensorId id, const std::string& why) {
    for (int32_t e : origin_[static_cast<size_t>(id)]) elements_.block(e, why);
  }

  void visit(int i) {
    const Op& op = g_.ops[static_cast<size_t>(i)];
    if (op.outputs.empty()) return;
    const TensorId out = op.outputs[0];
    const std::string mixes = op_label(g_, i) + " mixes or fixes channels";
    // Activation inputs the walk has reached; constants have no origin.
    std::vector<size_t> data;
    for (size_t s = 0; s < op.inputs.size(); ++s) {
      const TensorId id = op.inputs[s];
      if (id != kNoTensor && !g_.tensor(id).is_constant && !origin_[static_cast<size_t>(id)].empty()) data.push_back(s);
    }
    if (is_channel_producer(g_, i)) {
      for (size_t s : data) {
        const ChannelRule r = channel_effect(g_, i, s).rule;
        if (r != ChannelRule::Consumes && r != ChannelRule::FlattenIntoFullyConnected) block_all(op.inputs[s], mixes);
      }
      const bool kept = kept_.count(i) > 0;
      auto& o = origin_[static_cast<size_t>(out)];
      o.clear();
      for (int64_t c = 0; c < channels(out); ++c)
        o.push_back(elements_.add(Filter{i, static_cast<int32_t>(c)}, kept ? op_label(g_, i) + " is kept dense" : ""));
      return;
    }
    if (data.empty()) {
      fresh(out, mixes);
      return;
    }
    const size_t first = data[0];
    const ChannelEffect effect = channel_effect(g_, i, first);
    const auto& in = origin_[static_cast<size_t>(op.inputs[first])];
    std::vector<int32_t> o;
    switch (effect.rule) {
      case ChannelRule::Elementwise:
        if (data.size() == 1 && channels(out) == static_cast<int64_t>(in.size())) o = in;
        break;
      case ChannelRule::Depthwise: {
        const Tensor& w = g_.tensor(op.input(1));
        if (data.size() == 1 && w.is_constant && w.dtype == DType::Float32 &&
            channels(out) == static_cast<int64_t>(in.size()) * effect.multiplier)
          for (int32_t e : in) o.insert(o.end(), static_cast<size_t>(effect.multiplier), e);
        break;
      }
      case ChannelRule::Coupled: {
        bool same = true;
        for (size_t s : data) same = same && origin_[static_cast<size_t>(op.inputs[s])].size() == in.size();
        if (!same || channels(out) != static_cast<int64_t>(in.size())) break;
        for (size_t s : data)
          for (size_t c = 0; c < in.size(); ++c) elements_.unite(in[c], origin_[static_cast<size_t>(op.inputs[s])][c]);
        o = in;
        break;
      }
      case ChannelRule::Concatenation: {
        if (data.size() != op.inputs.size()) break;  // a constant input: its channels are not tracked
        for (size_t s : data) {
          const auto& part = origin_[static_cast<size_t>(op.inputs[s])];
          o.insert(o.end(), part.begin(), part.end());
        }
        if (channels(out) != static_cast<int64_t>(o.size())) o.clear();
        break;
      }
      case ChannelRule::FlattenIntoFullyConnected:  // a flattening RESHAPE: channel c spread over columns p*C + c
        if (data.size() == 1 && channels(out) == static_cast<int64_t>(in.size()) * effect.columns_per_channel)
          for (int32_t p = 0; p < effect.columns_per_channel; ++p) o.insert(o.end(), in.begin(), in.end());
        break;
      case ChannelRule::Consumes:  // a non-producer that consumes (FULLY_CONNECTED with activation weights)
      case ChannelRule::Blocks: break;
    }
    if (o.empty() && channels(out) > 0) {
      for (size_t s : data) block_all(op.inputs[s], mixes);
      fresh(out, mixes);
      return;
    }
    origin_[static_cast<size_t>(out)] = std::move(o);
  }

  const Graph& g_;
  const std::set<int>& kept_;
  Elements elements_;
  std::vector<std::vector<int32_t>> origin_;
};

}  // namespace

bool is_channel_producer(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  if (op.kind != OpKind::Conv2D && op.kind != OpKind::FullyConnected) return false;
  const TensorId w = op.input(1);
  return w != kNoTensor && g.tensor(w).is_constant && g.tensor(w).dtype == DType::Float32 && !op.outputs.empty();
}

Expected<ChannelAnalysis> analyze_channels(const Graph& g, const std::set<int>& kept, FilterNorm norm) {
  Walk walk(g, kept);
  walk.run();
  Elements& el = walk.elements();

  ChannelAnalysis a;
  // Classes: element roots that hold at least one producer filter, numbered in element order (producer order).
  std::map<int32_t, int> class_of_root;
  for (size_t e = 0; e < el.size(); ++e) {
    const auto& f = el.filter(static_cast<int32_t>(e));
    if (!f) continue;
    const int32_t root = el.find(static_cast<int32_t>(e));
    auto [it, inserted] = class_of_root.emplace(root, static_cast<int>(a.classes.size()));
    if (inserted) a.classes.emplace_back();
    ChannelClass& cls = a.classes[static_cast<size_t>(it->second)];
    cls.filters.push_back(*f);
    const Tensor& w = g.tensor(g.ops[static_cast<size_t>(f->op)].inputs[1]);
    const auto [n, unit] = filter_norm(w, 0, f->channel, norm);
    cls.norm += n;
    cls.normalized_norm += unit;  // the denominator for now
  }
  for (ChannelClass& c : a.classes) c.normalized_norm = c.normalized_norm > 0 ? c.norm / c.normalized_norm : 0;

  // Groups: classes that share a producer (union over producers).
  std::map<int, int> group_of_producer;
  std::vector<int> parent(a.classes.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; };
  for (size_t c = 0; c < a.classes.size(); ++c)
    for (const Filter& f : a.classes[c].filters) {
      auto [it, inserted] = group_of_producer.emplace(f.op, static_cast<int>(c));
      if (!inserted) {
        int x = find(static_cast<int>(c)), y = find(it->second);
        if (x != y) parent[std::max(x, y)] = std::min(x, y);
      }
    }
  std::map<int, int> group_index;
  for (size_t c = 0; c < a.classes.size(); ++c) {
    auto [it, inserted] = group_index.emplace(find(static_cast<int>(c)), static_cast<int>(a.groups.size()));
    if (inserted) a.groups.emplace_back();
    ChannelGroup& grp = a.groups[static_cast<size_t>(it->second)];
    a.classes[c].group = it->second;
    grp.classes.push_back(static_cast<int>(c));
    for (const Filter& f : a.classes[c].filters)
      if (std::find(grp.producers.begin(), grp.producers.end(), f.op) == grp.producers.end()) grp.producers.push_back(f.op);
  }
  // A group is left whole when any of its classes is blocked: its producers are pruned alike.
  for (auto& [root, c] : class_of_root) {
    ChannelGroup& grp = a.groups[static_cast<size_t>(a.classes[static_cast<size_t>(c)].group)];
    const std::string& why = el.blocked(root);
    if (!why.empty() && grp.removable) {
      grp.removable = false;
      grp.blocked_by = why;
    }
  }
  for (ChannelGroup& grp : a.groups) std::sort(grp.producers.begin(), grp.producers.end());

  // Origins as class indices.
  a.origin.resize(g.tensors.size());
  for (size_t t = 0; t < g.tensors.size(); ++t)
    for (int32_t e : walk.origin()[t]) {
      auto it = class_of_root.find(el.find(e));
      a.origin[t].push_back(it == class_of_root.end() ? -1 : it->second);
    }
  return a;
}

}  // namespace tinyopt
