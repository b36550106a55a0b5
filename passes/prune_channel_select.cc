// passes/prune_channel_select.cc: the allocation rules of prune_channel_select.h.
#include "passes/prune_channel_select.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tinyopt {
namespace {

// A group's classes, weakest first.
std::vector<int> ranked(const ChannelAnalysis& a, const ChannelGroup& grp) {
  std::vector<int> c = grp.classes;
  std::stable_sort(c.begin(), c.end(), [&](int x, int y) {
    return a.classes[static_cast<size_t>(x)].norm < a.classes[static_cast<size_t>(y)].norm;
  });
  return c;
}

int64_t limit(size_t n, double cap) {
  return std::clamp<int64_t>(static_cast<int64_t>(std::floor(cap * static_cast<double>(n) + 1e-9)), 0,
                             static_cast<int64_t>(n) - 1);
}
// A per-layer fraction: that share of the group's classes, rounded, but never all of them.
int64_t fixed_share(size_t n, double fraction) {
  return std::min(static_cast<int64_t>(n) - 1, static_cast<int64_t>(std::llround(fraction * static_cast<double>(n))));
}

struct Plan {
  std::vector<std::vector<int>> order;  // per group, weakest first
  std::vector<bool> fixed_removed;      // classes removed by fixed-fraction groups
  std::vector<size_t> free_groups;      // removable groups without a fixed fraction
};

Plan make_plan(const ChannelAnalysis& a, const ChannelTarget& t) {
  Plan p;
  p.order.resize(a.groups.size());
  p.fixed_removed.assign(a.classes.size(), false);
  for (size_t gi = 0; gi < a.groups.size(); ++gi) {
    const ChannelGroup& grp = a.groups[gi];
    if (!grp.removable) continue;
    p.order[gi] = ranked(a, grp);
    const std::optional<double> f = gi < t.group_fraction.size() ? t.group_fraction[gi] : std::nullopt;
    if (!f) {
      p.free_groups.push_back(gi);
      continue;
    }
    const int64_t k = fixed_share(grp.classes.size(), *f);
    for (int64_t j = 0; j < k; ++j) p.fixed_removed[static_cast<size_t>(p.order[gi][static_cast<size_t>(j)])] = true;
  }
  return p;
}

std::vector<bool> uniform(const Plan& p, const ChannelAnalysis& a, double fraction, double cap) {
  std::vector<bool> removed = p.fixed_removed;
  for (size_t gi : p.free_groups) {
    const int64_t k = std::min(limit(a.groups[gi].classes.size(), cap),
                               static_cast<int64_t>(std::llround(fraction * static_cast<double>(a.groups[gi].classes.size()))));
    for (int64_t j = 0; j < k; ++j) removed[static_cast<size_t>(p.order[gi][static_cast<size_t>(j)])] = true;
  }
  return removed;
}

// Free classes in global removal order, each group's cap applied.
std::vector<int> global_order(const Plan& p, const ChannelAnalysis& a, double cap) {
  std::vector<int> all;
  for (size_t gi : p.free_groups) all.insert(all.end(), a.groups[gi].classes.begin(), a.groups[gi].classes.end());
  std::stable_sort(all.begin(), all.end(), [&](int x, int y) {
    return a.classes[static_cast<size_t>(x)].normalized_norm < a.classes[static_cast<size_t>(y)].normalized_norm;
  });
  std::vector<int64_t> taken(a.groups.size(), 0);
  std::vector<int> order;
  for (int c : all) {
    const size_t gi = static_cast<size_t>(a.classes[static_cast<size_t>(c)].group);
    if (taken[gi] >= limit(a.groups[gi].classes.size(), cap)) continue;
    ++taken[gi];
    order.push_back(c);
  }
  return order;
}

std::vector<bool> prefix(const Plan& p, const std::vector<int>& order, size_t k) {
  std::vector<bool> removed = p.fixed_removed;
  for (size_t j = 0; j < k; ++j) removed[static_cast<size_t>(order[j])] = true;
  return removed;
}

std::string percent(int64_t part, int64_t whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

}  // namespace

Expected<ChannelSelection> select_channels(const Graph& g, const ChannelAnalysis& a, const ChannelTarget& t) {
  const Plan p = make_plan(a, t);
  ChannelSelection s;
  s.before = pruned_size(g, a, std::vector<bool>(a.classes.size(), false));
  auto meets = [&](const std::vector<bool>& removed) {
    const PrunedSize z = pruned_size(g, a, removed, s.before);
    return static_cast<double>(z.macs) <= t.macs * static_cast<double>(s.before.macs) + 1e-9 &&
           static_cast<double>(z.parameters) <= t.params * static_cast<double>(s.before.parameters) + 1e-9;
  };
  if (!t.budget()) {
    if (t.allocation == Allocation::Uniform) {
      s.removed = uniform(p, a, t.sparsity, t.cap);
    } else {
      size_t total = 0;
      for (size_t gi : p.free_groups) total += a.groups[gi].classes.size();
      const size_t want = static_cast<size_t>(std::llround(t.sparsity * static_cast<double>(total)));
      const std::vector<int> order = global_order(p, a, t.cap);
      if (order.size() < want)
        return fail(Errc::BadInput, {.option = "prune.sparsity"},
                    "sparsity {} cannot be met: with at most {} of each group removed, {} of {} channels can go", t.sparsity,
                    t.cap, order.size(), total);
      s.removed = prefix(p, order, want);
    }
  } else {
    // The most that may go, then the fewest removals that meet the budget (counts are monotone in the order).
    const std::vector<int> order = t.allocation == Allocation::Global ? global_order(p, a, t.cap) : std::vector<int>{};
    auto removal = [&](double x) {  // x in [0, 1]: fraction of the way to the most that may go
      if (t.allocation == Allocation::Global)
        return prefix(p, order, static_cast<size_t>(std::llround(x * static_cast<double>(order.size()))));
      return uniform(p, a, x, t.cap);
    };
    const std::vector<bool> most = removal(1.0);
    if (!meets(most)) {
      const PrunedSize z = pruned_size(g, a, most);
      return fail(Errc::BadInput, {.option = t.macs < 1 ? "prune.macs" : "prune.params"},
                  "the budget (macs={}, params={}) cannot be met: removing every channel the groups allow (at most {} of "
                  "each) keeps {} of the MACs and {} of the parameters",
                  t.macs, t.params, t.cap, percent(z.macs, s.before.macs), percent(z.parameters, s.before.parameters));
    }
    double lo = 0, hi = 1;  // meets(removal(hi)) holds
    if (t.allocation == Allocation::Global) {
      size_t l = 0, h = order.size();
      while (l < h) {
        const size_t mid = (l + h) / 2;
        if (meets(prefix(p, order, mid))) h = mid;
        else l = mid + 1;
      }
      s.removed = prefix(p, order, l);
    } else {
      for (int it = 0; it < 40; ++it) {
        const double mid = (lo + hi) / 2;
        (meets(removal(mid)) ? hi : lo) = mid;
      }
      s.removed = removal(hi);
    }
  }
  s.after = pruned_size(g, a, s.removed);
  return s;
}

}  // namespace tinyopt
