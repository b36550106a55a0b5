// passes/instrumentation.cc: the summary/timing instrument, the IR printer and the IR text form.
#include "passes/instrumentation.h"

#include <algorithm>

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

void SummaryInstrument::after(const Pass& p, const Graph&, const PassResult& r, double seconds) {
  std::fprintf(out_, "pass %s: %s (%.1f ms)\n", p.name().c_str(), r.summary.empty() ? (r.changed ? "changed" : "no change") : r.summary.c_str(),
               seconds * 1e3);
  for (const std::string& n : r.notes) std::fprintf(out_, "  note: %s\n", n.c_str());
}

void SummaryInstrument::after_failed(const Pass& p, const Graph&) {
  std::fprintf(out_, "pass %s: failed\n", p.name().c_str());
}

void IrPrinterInstrument::after(const Pass& p, const Graph& g, const PassResult& r, double) {
  bool print = mode_ == Mode::All || (mode_ == Mode::Changed && r.changed) ||
               (mode_ == Mode::Named && std::find(names_.begin(), names_.end(), p.name()) != names_.end());
  if (!print) return;
  std::fprintf(out_, "// ---- IR after %s ----\n%s", p.spec().print().c_str(), dump_ir(g).c_str());
}

void IrPrinterInstrument::after_failed(const Pass& p, const Graph& g) {
  std::fprintf(out_, "// ---- IR after %s (failed) ----\n%s", p.spec().print().c_str(), dump_ir(g).c_str());
}

}  // namespace tinyopt
