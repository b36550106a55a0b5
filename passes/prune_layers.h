// passes/prune_layers.h: the layers a prune pass can touch and how a user names them.
//
// A prunable layer is a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED op with constant float32 weights. Its name
// is its output tensor's name (what `tinyopt inspect` shows); a pattern matches the name with shell-style globs
// (`*`, `?`) or the op's index as `#3`. Per-layer overrides are `pattern:value` items (`layers=[conv_3:0.9]`; the
// value follows the last ':'); the first pattern that matches a layer wins. A pattern that matches no layer is an
// error that lists the layer names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

struct PrunableLayer {
  int op = 0;
  std::string name;
  TensorId weights = kNoTensor;
};

std::vector<PrunableLayer> prunable_layers(const Graph& g);

// Glob match of `pattern` against a layer's name, or "#<op index>".
bool layer_matches(const std::string& pattern, const PrunableLayer& layer);

struct LayerOverride {
  std::string pattern;
  double value = 0;
};

// Parses "pattern:value" items, values within [min, max). `option` names the option in errors.
Expected<std::vector<LayerOverride>> parse_layer_overrides(const std::vector<std::string>& items, double min, double max,
                                                           const std::string& option);

// Every pattern must match a layer; errors name the pattern and list the layers.
Expected<void> check_patterns_match(const std::vector<std::string>& patterns, const std::vector<PrunableLayer>& layers,
                                    const std::string& option);

// The override for `layer`, if one of `overrides` matches it.
std::optional<double> override_for(const std::vector<LayerOverride>& overrides, const PrunableLayer& layer);
bool matches_any(const std::vector<std::string>& patterns, const PrunableLayer& layer);

}  // namespace tinyopt
