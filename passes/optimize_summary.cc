// passes/optimize_summary.cc: the per-pass figures of `tinyopt optimize` (optimize_summary.h).
#include "passes/optimize_summary.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "formats/tflite/writer.h"
#include "ir/op_traits.h"
#include "reports/model_stats.h"
#include "runtime/metrics.h"

namespace tinyopt {
namespace {

std::string thousands(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

ModelFigures model_figures(const Graph& g) {
  ModelFigures f;
  const ModelStats s = compute_model_stats(g);
  f.parameters = s.total_parameters;
  f.macs = s.total_macs;
  for (const Op& op : g.ops) {
    if (weight_channel_axis(op.kind) < 0 || op.inputs.size() < 2 || op.inputs[1] == kNoTensor) continue;
    const Tensor& w = g.tensor(op.inputs[1]);
    if (!w.is_constant) continue;
    const size_t width = dtype_size(w.dtype);
    const size_t n = w.data.size() / std::max<size_t>(width, 1);
    f.weights += static_cast<int64_t>(n);
    for (size_t i = 0; i < n; ++i)
      f.zero_weights += std::all_of(w.data.begin() + static_cast<ptrdiff_t>(i * width),
                                    w.data.begin() + static_cast<ptrdiff_t>((i + 1) * width), [](uint8_t b) { return b == 0; });
  }
  if (Expected<std::vector<uint8_t>> bytes = write_tflite(g)) f.file_bytes = static_cast<int64_t>(bytes->size());
  return f;
}

void OptimizeSummaryInstrument::before(const Pass&, const Graph& g) {
  if (started_) return;
  started_ = true;
  if (!samples_) return;
  Expected<Evaluation> ev = evaluate_model(g, *samples_);
  if (ev) reference_ = std::move(*ev);
}

void OptimizeSummaryInstrument::after(const Pass& p, const Graph& g, const PassResult& r, double seconds) {
  PassFigures f;
  f.pass = p.spec().print();
  f.seconds = seconds;
  f.summary = r.summary;
  f.model = model_figures(g);
  if (reference_) {
    Expected<Evaluation> ev = evaluate_model(g, *samples_);
    if (ev) {
      if (Expected<std::vector<ErrorStats>> errors = compare_outputs(*reference_, *ev)) {
        double lowest = INFINITY;
        for (const ErrorStats& e : *errors) lowest = std::min(lowest, e.sqnr_db());
        f.sqnr_db = lowest;
      }
      if (!ev->outputs.empty() && ev->outputs[0].tensor.num_elements() > 1)
        if (Expected<double> a = top1_agreement(*reference_, *ev)) f.top1_agreement = *a;
    }
  }
  if (out_) {
    std::fprintf(out_, "pass %s: %s (%.1f ms)\n  %s\n", p.name().c_str(), r.summary.empty() ? (r.changed ? "changed" : "no change") : r.summary.c_str(),
                 seconds * 1e3, describe_figures(f).c_str());
    for (const std::string& n : r.notes) std::fprintf(out_, "  note: %s\n", n.c_str());
  }
  if (figures_) figures_->push_back(std::move(f));
}

void OptimizeSummaryInstrument::after_failed(const Pass& p, const Graph&) {
  if (out_) std::fprintf(out_, "pass %s: failed\n", p.name().c_str());
}

std::string describe_figures(const PassFigures& f) {
  const ModelFigures& m = f.model;
  std::string s = fmt::format("{} params, {} MACs, {:.1f}% zero weights, {} bytes", thousands(m.parameters), thousands(m.macs),
                              m.weights ? 100.0 * static_cast<double>(m.zero_weights) / static_cast<double>(m.weights) : 0.0,
                              thousands(m.file_bytes));
  if (f.sqnr_db) s += std::isinf(*f.sqnr_db) ? ", SQNR inf (identical outputs)" : fmt::format(", SQNR {:.2f} dB", *f.sqnr_db);
  if (f.top1_agreement) s += fmt::format(", top-1 agreement {:.1f}%", *f.top1_agreement * 100.0);
  return s;
}

}  // namespace tinyopt
