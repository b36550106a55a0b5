// passes/cluster.cc: `cluster`: weight clustering (weight sharing) of the float32 constant weights of CONV_2D /
// DEPTHWISE_CONV_2D / FULLY_CONNECTED, so that a LUT encoding (`compress`) stores them in `bits`-bit indices.
//
// Per group (an output channel, or the whole tensor), 1-D k-means with k = 2^bits: centroids start evenly spaced
// between the group's minimum and maximum (linear initialisation: deterministic, no seed needed, and it keeps the
// extreme weights representable), then Lloyd iterations on the sorted values (each value to its nearest centroid,
// each centroid to its members' mean; an empty cluster keeps its centroid) until nothing moves or 50 rounds.
// Every weight is then replaced by its centroid. A group with at most k distinct values is left as it is.
//
// Why the count survives quantize: int8 symmetric quantization maps a weight w of channel c to round(w / s_c),
// a function of w alone, so a group holding at most k distinct floats holds at most k distinct int8 values
// afterwards (rounding can merge two centroids, never split one). That holds when the groups here are the groups
// quantize scales by: with granularity=auto, per output channel for CONV_2D / DEPTHWISE_CONV_2D (quantize's default
// per-channel scales; channel axis 0 and 3) and per tensor for FULLY_CONNECTED (whose weights quantize keeps per
// tensor). Run it after every pass that rescales weights within a channel (cross-layer equalization) and before
// quantize. The error per layer (mean |w' - w| / mean |w|) is reported in the notes.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

enum class ClusterGranularity { Auto, Channel, Tensor };

struct ClusterOptions {
  int bits = 4;  // at most 2^bits distinct values per group
  ClusterGranularity granularity = ClusterGranularity::Auto;
  std::vector<std::string> skip;  // output tensor names of ops left alone
};

constexpr int kMaxRounds = 50;

// Lloyd's algorithm in one dimension on sorted values: returns sorted centroids.
std::vector<double> kmeans_1d(const std::vector<float>& sorted, size_t k) {
  const double lo = sorted.front(), hi = sorted.back();
  std::vector<double> c(k);
  for (size_t j = 0; j < k; ++j) c[j] = k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * static_cast<double>(j) / static_cast<double>(k - 1);
  std::vector<double> sum(k);
  std::vector<size_t> count(k);
  for (int round = 0; round < kMaxRounds; ++round) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    size_t j = 0;
    for (float v : sorted) {  // values and centroids both ascend: the nearest centroid only moves right
      while (j + 1 < k && std::abs(c[j + 1] - v) < std::abs(c[j] - v)) ++j;
      sum[j] += v;
      ++count[j];
    }
    bool moved = false;
    for (size_t m = 0; m < k; ++m) {
      if (count[m] == 0) continue;
      const double mean = sum[m] / static_cast<double>(count[m]);
      moved |= mean != c[m];
      c[m] = mean;
    }
    std::sort(c.begin(), c.end());
    if (!moved) break;
  }
  return c;
}

// Replaces the values of one group (given by element indices) by their nearest centroid. Returns sum |change|.
double cluster_group(std::vector<float>& w, const std::vector<size_t>& members, size_t k) {
  std::vector<float> sorted;
  sorted.reserve(members.size());
  for (size_t i : members) sorted.push_back(w[i]);
  std::sort(sorted.begin(), sorted.end());
  if (static_cast<size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin()) <= k) return 0.0;
  std::vector<float> all;
  for (size_t i : members) all.push_back(w[i]);
  std::sort(all.begin(), all.end());
  const std::vector<double> c = kmeans_1d(all, k);
  std::vector<float> cf(c.begin(), c.end());
  double change = 0.0;
  for (size_t i : members) {
    auto it = std::lower_bound(cf.begin(), cf.end(), w[i]);
    float best = it == cf.end() ? cf.back() : *it;
    if (it != cf.begin() && (it == cf.end() || std::abs(*(it - 1) - w[i]) <= std::abs(*it - w[i]))) best = *(it - 1);
    change += std::abs(static_cast<double>(best) - w[i]);
    w[i] = best;
  }
  return change;
}

class ClusterPass : public Pass {
 public:
  explicit ClusterPass(ClusterOptions o) : o_(std::move(o)) {}

  Expected<PassResult> run(Graph& g, PassContext&) override {
    PassResult r;
    const size_t k = size_t{1} << o_.bits;
    int clustered = 0;
    double total_change = 0, total_abs = 0;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const Op& op = g.ops[i];
      const OpTraits& t = op_traits(op.kind);
      if (t.weights_input == kNoInput) continue;
      const TensorId w0 = op.input(static_cast<size_t>(t.weights_input));
      if (w0 < 0 || !g.tensor(w0).is_constant || g.tensor(w0).dtype != DType::Float32) continue;
      if (!op.outputs.empty() && std::find(o_.skip.begin(), o_.skip.end(), g.tensor(op.outputs[0]).name) != o_.skip.end())
        continue;
      const TensorId wid = own_constant_input(g, static_cast<int>(i), static_cast<size_t>(t.weights_input));
      Tensor& wt = g.tensor(wid);
      auto span = wt.values<float>();
      std::vector<float> w(span.begin(), span.end());
      if (w.empty()) continue;
      const bool per_tensor = o_.granularity == ClusterGranularity::Tensor ||
                              (o_.granularity == ClusterGranularity::Auto && op.kind == OpKind::FullyConnected);
      const int axis = t.weight_channel_axis;
      std::vector<std::vector<size_t>> groups;
      if (per_tensor || axis < 0 || static_cast<size_t>(axis) >= wt.shape.size()) {
        groups.resize(1);
        for (size_t e = 0; e < w.size(); ++e) groups[0].push_back(e);
      } else {
        // Element e's index along `axis` in a row-major shape: (e / inner) % dim.
        const size_t dim = static_cast<size_t>(wt.shape[static_cast<size_t>(axis)]);
        size_t inner = 1;
        for (size_t d = static_cast<size_t>(axis) + 1; d < wt.shape.size(); ++d) inner *= static_cast<size_t>(wt.shape[d]);
        groups.resize(dim);
        for (size_t e = 0; e < w.size(); ++e) groups[(e / inner) % dim].push_back(e);
      }
      double change = 0, abs_sum = 0;
      for (float v : w) abs_sum += std::abs(v);
      for (const auto& members : groups) if (!members.empty()) change += cluster_group(w, members, k);
      wt.set_values<float>(w);
      ++clustered;
      total_change += change;
      total_abs += abs_sum;
      r.notes.push_back(fmt::format("cluster: op #{} {} '{}': {} group(s) of at most {} values, weight change {:.2f}% "
                                    "of mean |w|", i, op_kind_name(op.kind), wt.name, groups.size(), k,
                                    abs_sum > 0 ? 100.0 * change / abs_sum : 0.0));
    }
    r.changed = clustered > 0;
    r.summary = fmt::format("clustered {} weight tensors to at most {} values per {}, mean change {:.2f}% of |w|",
                            clustered, k, o_.granularity == ClusterGranularity::Tensor ? "tensor" : "group",
                            total_abs > 0 ? 100.0 * total_change / total_abs : 0.0);
    r.counters = {{"clustered", clustered}, {"change_ppm", static_cast<int64_t>(
                                                 total_abs > 0 ? std::llround(1e6 * total_change / total_abs) : 0)}};
    return r;
  }

 private:
  ClusterOptions o_;
};

}  // namespace

PassInfo cluster_pass_info() {
  using O = ClusterOptions;
  return pass_info<O>(
      "cluster", "Cluster float weights to at most 2^bits values per output channel or tensor (1-D k-means).",
      {option("bits", &O::bits, "LUT index bits: at most 2^bits distinct values per group", OptionRange{1, 7}),
       option("granularity", &O::granularity,
              "groups: auto (per channel for conv/depthwise, per tensor for fully connected), channel, tensor",
              {{"auto", ClusterGranularity::Auto}, {"channel", ClusterGranularity::Channel},
               {"tensor", ClusterGranularity::Tensor}}),
       option("skip", &O::skip, "output tensor names of ops whose weights stay as they are")},
      [](O o) { return std::make_unique<ClusterPass>(std::move(o)); });
}

}  // namespace tinyopt
