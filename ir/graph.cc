// ir/graph.cc: graph construction and producer/consumer queries (Graph::validate is in ir/validate.cc).
#include "ir/graph.h"

namespace tinyopt {

TensorId Graph::add_tensor(Tensor t) {
  tensors.push_back(std::move(t));
  return static_cast<TensorId>(tensors.size() - 1);
}

int Graph::add_op(Op op) {
  ops.push_back(std::move(op));
  return static_cast<int>(ops.size() - 1);
}

std::optional<int> Graph::producer(TensorId id) const {
  for (size_t i = 0; i < ops.size(); ++i)
    for (TensorId o : ops[i].outputs) if (o == id) return static_cast<int>(i);
  return std::nullopt;
}

std::vector<int> Graph::consumers(TensorId id) const {
  std::vector<int> result;
  for (size_t i = 0; i < ops.size(); ++i)
    for (TensorId in : ops[i].inputs)
      if (in == id) { result.push_back(static_cast<int>(i)); break; }
  return result;
}

bool Graph::is_graph_input(TensorId id) const {
  for (TensorId t : inputs) if (t == id) return true;
  return false;
}

bool Graph::is_graph_output(TensorId id) const {
  for (TensorId t : outputs) if (t == id) return true;
  return false;
}

Location Graph::where(int op_index) const {
  Location loc{.file = source, .op = op_index};
  if (op_index >= 0 && static_cast<size_t>(op_index) < ops.size())
    loc.op_kind = std::string(op_kind_name(ops[static_cast<size_t>(op_index)].kind));
  return loc;
}

}  // namespace tinyopt
