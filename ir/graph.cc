// ir/graph.cc: graph construction, producer/consumer queries and structural validation.
#include "ir/graph.h"

#include <cmath>

#include "ir/shape_inference.h"

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

namespace {

Expected<void> validate_tensor(const Graph& g, TensorId id) {
  const Tensor& t = g.tensor(id);
  Location loc{.file = g.source, .tensor = t.name};
  std::optional<int64_t> n = checked_num_elements(t.shape);
  if (!n) return fail(Errc::BadInput, loc, "invalid shape {} (negative or too many elements)", shape_to_string(t.shape));
  if (t.is_constant && t.data.size() != static_cast<size_t>(*n) * dtype_size(t.dtype))
    return fail(Errc::BadInput, loc, "constant data has {} bytes but shape {} of {} needs {}", t.data.size(),
                shape_to_string(t.shape), dtype_name(t.dtype), static_cast<size_t>(*n) * dtype_size(t.dtype));
  if (t.quant) {
    const QuantParams& q = *t.quant;
    if (q.scale.empty() || q.scale.size() != q.zero_point.size())
      return fail(Errc::BadInput, loc, "quantization has {} scales and {} zero points", q.scale.size(),
                  q.zero_point.size());
    if (q.per_channel()) {
      if (q.axis < 0 || static_cast<size_t>(q.axis) >= t.shape.size())
        return fail(Errc::BadInput, loc, "quantized dimension {} is outside shape {}", q.axis, shape_to_string(t.shape));
      if (static_cast<int64_t>(q.scale.size()) != t.shape[static_cast<size_t>(q.axis)])
        return fail(Errc::BadInput, loc, "{} per-channel scales but dimension {} has size {}", q.scale.size(), q.axis,
                    t.shape[static_cast<size_t>(q.axis)]);
    }
    for (float s : q.scale)
      if (!(s > 0.0f) || !std::isfinite(s))
        return fail(Errc::BadInput, loc, "quantization scale {} is not a positive finite number", s);
  }
  return {};
}

}  // namespace

Expected<void> Graph::validate() const {
  const auto n_tensors = static_cast<TensorId>(tensors.size());
  auto in_range = [&](TensorId id) { return id >= 0 && id < n_tensors; };
  for (TensorId id = 0; id < n_tensors; ++id)
    if (Expected<void> ok = validate_tensor(*this, id); !ok) return ok;

  // available[t]: tensor t has a value at this point of execution (graph input, constant, or produced earlier).
  std::vector<char> available(tensors.size(), 0), produced(tensors.size(), 0);
  for (TensorId id : inputs) {
    if (!in_range(id)) return fail(Errc::BadInput, {.file = source}, "graph input refers to tensor {} of {}", id, n_tensors);
    available[static_cast<size_t>(id)] = 1;
  }
  for (TensorId id = 0; id < n_tensors; ++id)
    if (tensors[static_cast<size_t>(id)].is_constant) available[static_cast<size_t>(id)] = 1;

  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const int index = static_cast<int>(i);
    for (TensorId id : op.inputs) {
      if (id == kNoTensor) continue;
      if (!in_range(id)) return fail(Errc::BadInput, where(index), "input tensor id {} is out of range (0..{})", id, n_tensors - 1);
      if (!available[static_cast<size_t>(id)]) {
        Location loc = where(index);
        loc.tensor = tensors[static_cast<size_t>(id)].name;
        bool later = false;
        for (size_t j = i; j < ops.size() && !later; ++j)
          for (TensorId o : ops[j].outputs) later |= (o == id);
        if (later) return fail(Errc::BadInput, loc, "input is produced by a later op (graph cycle or bad op order)");
        return fail(Errc::BadInput, loc, "input is never produced (not a graph input, constant or op output)");
      }
    }
    for (TensorId id : op.outputs) {
      if (!in_range(id)) return fail(Errc::BadInput, where(index), "output tensor id {} is out of range (0..{})", id, n_tensors - 1);
      Location loc = where(index);
      loc.tensor = tensors[static_cast<size_t>(id)].name;
      if (produced[static_cast<size_t>(id)] || tensors[static_cast<size_t>(id)].is_constant || is_graph_input(id))
        return fail(Errc::BadInput, loc, "output tensor is written more than once (by another op, or is a constant or graph input)");
      produced[static_cast<size_t>(id)] = 1;
      available[static_cast<size_t>(id)] = 1;
    }
    if (Expected<void> ok = check_op_shapes(*this, index); !ok) return ok;
  }
  for (TensorId id : outputs) {
    if (!in_range(id)) return fail(Errc::BadInput, {.file = source}, "graph output refers to tensor {} of {}", id, n_tensors);
    if (!available[static_cast<size_t>(id)])
      return fail(Errc::BadInput, {.file = source, .tensor = tensors[static_cast<size_t>(id)].name}, "graph output is never produced");
  }
  return {};
}

}  // namespace tinyopt
