// passes/instrumentation.cc: the summary/timing instrument and the IR printer (the text form: ir/graph_printer.h).
#include "passes/instrumentation.h"

#include <algorithm>

#include <fmt/format.h>

#include "ir/graph_printer.h"

namespace tinyopt {

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
