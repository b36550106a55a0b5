// ir/graph.h: a model as one dataflow graph (TFLite subgraph 0): tensors, ops in execution order, graph
// inputs/outputs and the model's metadata entries, kept for round trips.
//
// Ops are stored in a valid execution order (every op after the producers of its inputs); validate() checks it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/op.h"
#include "ir/tensor.h"

namespace tinyopt {

// A TFLite metadata entry ("min_runtime_version", "CONVERSION_METADATA", ...) with its buffer's bytes.
struct MetadataEntry {
  std::string name;
  std::vector<uint8_t> data;
};

class Graph {
 public:
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;
  std::vector<MetadataEntry> metadata;
  std::string description;  // TFLite Model.description
  // Weight tensors the file stored quantized in a float model ("hybrid", dynamic-range quantization), read as
  // float32 (ir/dequantize.h); 0 for any other model. `inspect` reports it: TFLM rejects hybrid models.
  int hybrid_weights_dequantized = 0;
  std::string source;       // file the graph was read from, for error messages (may be empty)

  TensorId add_tensor(Tensor t);
  int add_op(Op op);
  Tensor& tensor(TensorId id) { return tensors.at(static_cast<size_t>(id)); }
  const Tensor& tensor(TensorId id) const { return tensors.at(static_cast<size_t>(id)); }

  // Index of the op writing tensor `id`, or nullopt for graph inputs and constants.
  std::optional<int> producer(TensorId id) const;
  // Indices of the ops reading tensor `id`, in execution order.
  std::vector<int> consumers(TensorId id) const;
  bool is_graph_input(TensorId id) const;
  bool is_graph_output(TensorId id) const;

  // Checks the structure: tensor ids in range, each tensor produced at most once, no graph cycles, ops in an
  // executable order, constant data sizes equal shape x dtype, quantization parameter counts, and that every
  // op's inputs/outputs have the dtypes and shapes its kind requires (ir/validate.h). Returns the first
  // problem found, naming the op and tensor.
  Expected<void> validate() const;

  // Error location for op `i` ("file: op #i CONV_2D").
  Location where(int op_index) const;
};

}  // namespace tinyopt
