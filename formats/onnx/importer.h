// formats/onnx/importer.h: the state of one ONNX graph -> Graph conversion, shared by the files that convert
// the nodes (convert_*.cc). Not a public API: formats/onnx/reader.h is.
//
// Every ONNX value maps to a Value: a constant (HostTensor, ONNX layout, never put in the Graph unless an op
// needs it as a weight) or an activation tensor of the Graph with its layout:
//   Plain     stored in ONNX's own dimension order (every rank but 4);
//   Nhwc      a rank-4 ONNX value [N,C,H,W] stored as TFLite's [N,H,W,C]; every rank-4 activation is;
//   FlatNhwc  a rank-2 value [N, C*H*W] that ONNX flattened from NCHW, stored flattened from NHWC, i.e. its
//             features in (h, w, c) order. The FULLY_CONNECTED that reads it permutes its weight columns instead
//             of the graph transposing; elementwise ops keep the order; anything else gets the ONNX order back
//             first (materialize(): RESHAPE to NHWC, TRANSPOSE, RESHAPE).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/onnx/host_tensor.h"
#include "formats/onnx/reader.h"
#include "ir/graph.h"
#include "onnx/onnx_pb.h"

namespace tinyopt::onnx_format {

enum class Layout { Plain, Nhwc, FlatNhwc };

struct Value {
  std::optional<HostTensor> constant;  // set for constants
  TensorId id = kNoTensor;             // the Graph tensor of an activation
  std::vector<int64_t> onnx_shape;     // the shape in ONNX's order (also for constants)
  Layout layout = Layout::Plain;
  std::vector<int64_t> flat_chw;       // FlatNhwc: the C, H, W it was flattened from

  bool is_constant() const { return constant.has_value(); }
};

// Reads attributes of a node with their ONNX defaults.
int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback);
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback);
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback);
std::optional<std::vector<int64_t>> attr_ints(const onnx::NodeProto& n, const std::string& name);
const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name);

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string source, OnnxReadOptions options, int64_t opset);
  Expected<Graph> run();

  // --- used by the node converters -----------------------------------------------------------------------------
  const onnx::NodeProto& node(size_t k) const { return graph_.node(static_cast<int>(k)); }
  Location where(const onnx::NodeProto& n) const;
  template <class... Args>
  Error node_error(Errc code, const onnx::NodeProto& n, fmt::format_string<Args...> format, Args&&... args) const {
    return Error{code, where(n), fmt::format("node '{}': {}", n.name(), fmt::format(format, std::forward<Args>(args)...))};
  }

  // The value of input `k` of `n` (an error when absent or never defined).
  Expected<const Value*> input(const onnx::NodeProto& n, int k) const;
  bool has_input(const onnx::NodeProto& n, int k) const { return k < n.input_size() && !n.input(k).empty(); }
  // Input `k` as a constant (an error naming the node when it is an activation).
  Expected<const HostTensor*> constant_input(const onnx::NodeProto& n, int k) const;
  void define(const std::string& name, Value v) { values_[name] = std::move(v); }
  // How many nodes read value `name`, plus one when it is a graph output.
  int uses(const std::string& name) const;
  // The only node reading `name`, when there is exactly one and `name` is not a graph output.
  std::optional<size_t> sole_consumer(const std::string& name) const;
  void skip_node(size_t k) { skipped_.insert(k); }

  // Graph building. Constant tensors are float32 or int32 in TFLite layout.
  TensorId add_constant_f32(const std::string& name, Shape shape, std::vector<float> values);
  TensorId add_constant_i32(const std::string& name, Shape shape, std::vector<int32_t> values);
  // Adds an op writing a new float32 tensor `out_name`; its shape comes from shape inference.
  Expected<TensorId> emit(const onnx::NodeProto& n, OpKind kind, OpOptions options, std::vector<TensorId> inputs,
                          const std::string& out_name);
  // Defines `out_name` as activation `id` with `layout`; the ONNX shape follows from the Graph shape.
  void define_activation(const std::string& out_name, TensorId id, Layout layout,
                         std::vector<int64_t> flat_chw = {});
  Graph& graph() { return g_; }

  // Layout changes. materialize: a FlatNhwc value in ONNX order (other values unchanged). reshape_to: the value
  // as ONNX's `shape` (Reshape, Flatten, Squeeze, Unsqueeze), with as few TRANSPOSEs as the data order allows.
  Expected<Value> materialize(const onnx::NodeProto& n, const Value& v);
  Expected<Value> reshape_to(const onnx::NodeProto& n, const Value& v, const std::vector<int64_t>& shape,
                             const std::string& out_name);
  // A constant operand of an elementwise op broadcast against activation `act`, as a Graph tensor in the
  // activation's layout (rank-4: NHWC). Nullopt when the layouts cannot meet (the caller materializes).
  std::optional<TensorId> broadcast_constant(const Value& act, const HostTensor& c, const std::string& name);

  // Sets `activation` on the op producing `v` when that op takes a fused activation, has none yet, and `v` has
  // no other reader; the op then writes `out_name`. Returns false when it cannot.
  bool try_fuse_activation(const Value& v, const std::string& in_name, Activation activation,
                           const std::string& out_name);

  int64_t opset() const { return opset_; }

  // Node converters, by family (convert_conv_pool.cc, convert_activation.cc, convert_elementwise.cc,
  // convert_shape.cc, convert_fully_connected.cc). Each defines the node's outputs.
  Expected<void> convert_conv(size_t k);
  Expected<void> convert_batchnorm(size_t k);
  Expected<void> convert_pool(size_t k);
  Expected<void> convert_global_average_pool(size_t k);
  Expected<void> convert_activation(size_t k);
  Expected<void> convert_clip(size_t k);
  Expected<void> convert_hard_sigmoid(size_t k);
  Expected<void> convert_softmax(size_t k);
  Expected<void> convert_elementwise(size_t k);
  Expected<void> convert_concat(size_t k);
  Expected<void> convert_pad(size_t k);
  Expected<void> convert_transpose(size_t k);
  Expected<void> convert_reshape_family(size_t k);
  Expected<void> convert_gemm(size_t k);
  Expected<void> convert_matmul(size_t k);
  Expected<void> convert_alias(size_t k);

 private:
  Expected<void> read_initializers();
  Expected<void> read_inputs();
  Expected<void> convert_nodes();
  Expected<void> read_outputs();
  Expected<void> check_supported() const;
  bool foldable(const onnx::NodeProto& n) const;
  bool read_by_unskipped(const std::string& name) const;
  Expected<void> fold(const onnx::NodeProto& n);

  const onnx::ModelProto& model_;
  const onnx::GraphProto& graph_;
  std::string source_;
  OnnxReadOptions options_;
  int64_t opset_;
  Graph g_;
  std::map<std::string, Value> values_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graph_outputs_;
  std::set<size_t> skipped_;
  int64_t folded_elements_ = 0;  // elements of every folded result so far (bounded by kMaxFoldedTotal)
  std::string input_note_;
};

// ONNX Reshape's target resolved against the input dims: 0 copies the input's dimension (unless allowzero), one
// -1 takes what is left; the element counts must agree.
Expected<std::vector<int64_t>> resolve_reshape(const onnx::NodeProto& n, const std::vector<int64_t>& in,
                                               const std::vector<int64_t>& target, const Location& where);

// TFLite-order shape of an ONNX shape in `layout` (Nhwc: [N,C,H,W] -> [N,H,W,C]); checked to fit int32.
Expected<Shape> stored_shape(const std::vector<int64_t>& onnx_shape, Layout layout, const Location& where);

}  // namespace tinyopt::onnx_format
