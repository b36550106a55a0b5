// passes/graph_rewrite.h: small graph edits the passes share: redirecting uses of a tensor, erasing ops,
// dropping unreferenced tensors with renumbering, and reading/writing float constants.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "ir/graph.h"
#include "ir/op_traits.h"  // weight_channel_axis, used with scale_output_channels

namespace tinyopt {

// Every op input and graph output that reads `from` reads `to` instead.
void replace_uses(Graph& g, TensorId from, TensorId to);

// Erases the ops with the given indices (order of the others kept).
void erase_ops(Graph& g, const std::set<int>& indices);

// Drops tensors no op, graph input or graph output references and renumbers the rest. Returns how many went.
int drop_unreferenced_tensors(Graph& g);

// The only consumer of `t`, when exactly one op reads it and it is not a graph output.
std::optional<int> single_consumer(const Graph& g, TensorId t);

// A float32 constant's values as a vector (nullopt when `id` is absent, not constant or not float32).
std::optional<std::vector<float>> constant_floats(const Graph& g, TensorId id);

// Makes sure op `op_index` owns its input `slot` (a constant): when another op also reads the tensor, the op gets
// its own copy. Returns the (possibly new) tensor id.
TensorId own_constant_input(Graph& g, int op_index, size_t slot);

// Multiplies the weights' output channel c by scale[c] (float32 weights in place).
void scale_output_channels(Tensor& w, int axis, const std::vector<float>& scale);

// The bias of a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED op as float32, creating a zero bias when the op
// has none (the op then gets a new constant input). Returns the bias tensor id.
TensorId ensure_float_bias(Graph& g, int op_index);

}  // namespace tinyopt
