// ir/graph_printer.cc: the text form of a graph behind --print-ir-after (see graph_printer.h).
#include "ir/graph_printer.h"

#include <fmt/format.h>

namespace tinyopt {
namespace {

std::string tensor_text(const Graph& g, TensorId id) {
  if (id == kNoTensor) return "-";
  const Tensor& t = g.tensor(id);
  std::string s = fmt::format("%{} '{}' {}{}", id, t.name, dtype_name(t.dtype), shape_to_string(t.shape));
  if (t.quant) {
    const QuantParams& q = *t.quant;
    if (q.per_channel())
      s += fmt::format(" q(axis={}, {} scales, s0={:g})", q.axis, q.scale.size(), q.scale[0]);
    else if (!q.scale.empty())
      s += fmt::format(" q(s={:g}, zp={})", q.scale[0], q.zero_point.empty() ? 0 : q.zero_point[0]);
  }
  if (t.is_constant) s += " const";
  return s;
}

}  // namespace

std::string dump_ir(const Graph& g) {
  std::string s;
  s += "inputs:";
  for (TensorId id : g.inputs) s += fmt::format(" {}", tensor_text(g, id));
  s += "\n";
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    s += fmt::format("#{} {}(", i, op_kind_name(op.kind));
    for (size_t k = 0; k < op.inputs.size(); ++k) s += fmt::format("{}{}", k ? ", " : "", tensor_text(g, op.inputs[k]));
    s += ") -> ";
    for (size_t k = 0; k < op.outputs.size(); ++k) s += fmt::format("{}{}", k ? ", " : "", tensor_text(g, op.outputs[k]));
    s += "\n";
  }
  s += "outputs:";
  for (TensorId id : g.outputs) s += fmt::format(" {}", tensor_text(g, id));
  s += "\n";
  return s;
}

}  // namespace tinyopt
