// passes/prune_layers.cc: layer names and patterns of prune_layers.h.
#include "passes/prune_layers.h"

#include <charconv>

#include <fmt/format.h>

namespace tinyopt {
namespace {

bool glob(std::string_view p, std::string_view s) {
  // Iterative '*' matching with one backtrack point.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) ++pi, ++si;
    else if (pi < p.size() && p[pi] == '*') star = pi++, mark = si;
    else if (star != std::string_view::npos) pi = star + 1, si = ++mark;
    else return false;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

std::vector<PrunableLayer> prunable_layers(const Graph& g) {
  std::vector<PrunableLayer> layers;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const TensorId w = op.input(1);
    if (w == kNoTensor || op.outputs.empty() || !g.tensor(w).is_constant || g.tensor(w).dtype != DType::Float32) continue;
    layers.push_back({static_cast<int>(i), g.tensor(op.outputs[0]).name, w});
  }
  return layers;
}

bool layer_matches(const std::string& pattern, const PrunableLayer& layer) {
  return pattern == fmt::format("#{}", layer.op) || glob(pattern, layer.name);
}

Expected<std::vector<LayerOverride>> parse_layer_overrides(const std::vector<std::string>& items, double min, double max,
                                                           const std::string& option) {
  std::vector<LayerOverride> out;
  for (const std::string& item : items) {
    const size_t colon = item.rfind(':');
    double v = 0;
    const char* end = item.data() + item.size();
    const bool parsed = colon != std::string::npos && colon > 0 &&
                        std::from_chars(item.data() + colon + 1, end, v).ptr == end && colon + 1 < item.size();
    if (!parsed)
      return fail(Errc::BadInput, {.option = option}, "'{}' is not pattern:value (e.g. conv_3:0.9)", item);
    if (!(v >= min && v < max))
      return fail(Errc::BadInput, {.option = option}, "'{}': the value must be in [{}, {})", item, min, max);
    out.push_back({item.substr(0, colon), v});
  }
  return out;
}

Expected<void> check_patterns_match(const std::vector<std::string>& patterns, const std::vector<PrunableLayer>& layers,
                                    const std::string& option) {
  for (const std::string& p : patterns) {
    bool any = false;
    for (const PrunableLayer& l : layers) any = any || layer_matches(p, l);
    if (any) continue;
    std::string names;
    for (const PrunableLayer& l : layers) names += fmt::format("{}#{} {}", names.empty() ? "" : ", ", l.op, l.name);
    return fail(Errc::BadInput, {.option = option}, "pattern '{}' matches no prunable layer; the layers are: {}", p,
                names.empty() ? "(none)" : names);
  }
  return {};
}

std::optional<double> override_for(const std::vector<LayerOverride>& overrides, const PrunableLayer& layer) {
  for (const LayerOverride& o : overrides)
    if (layer_matches(o.pattern, layer)) return o.value;
  return std::nullopt;
}

bool matches_any(const std::vector<std::string>& patterns, const PrunableLayer& layer) {
  for (const std::string& p : patterns)
    if (layer_matches(p, layer)) return true;
  return false;
}

}  // namespace tinyopt
