// verify/render.cc: text, Markdown and JSON forms of a VerifyReport (render.h).
#include "verify/render.h"

#include <cmath>

#include <fmt/format.h>

namespace tinyopt {
namespace {

std::string db(double v) { return std::isinf(v) ? (v > 0 ? "inf" : "-inf") : fmt::format("{:.2f}", v); }
std::string pct(std::optional<double> f) { return f ? fmt::format("{:.2f}%", *f * 100.0) : "-"; }
std::string num(double v) { return fmt::format("{:.6g}", v); }

std::string check_line(const ThresholdCheck& c) {
  const bool is_db = c.name == "min-sqnr";
  const bool is_pp = c.name == "max-top1-drop";
  const bool is_pct = c.name == "min-agreement";
  auto value = [&](double v) { return is_db ? db(v) + " dB" : is_pp ? fmt::format("{:.2f} pp", v) : is_pct ? fmt::format("{:.2f}%", v) : num(v); };
  return fmt::format("{} {}{}: measured {}, limit {}", c.passed ? "ok  " : "FAIL", c.name,
                     c.output.empty() ? "" : " (output '" + c.output + "')", value(c.measured), value(c.limit));
}

nlohmann::ordered_json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); }
nlohmann::ordered_json opt(const std::optional<double>& v) { return v ? finite_or_null(*v) : nlohmann::ordered_json(); }

}  // namespace

std::string render_verify_text(const VerifyReport& r) {
  std::string s = fmt::format("reference: {}\ncandidate: {}\nsamples: {}\n", r.reference, r.candidate, r.samples);
  if (r.reference_accuracy)
    s += fmt::format("accuracy: reference {}, candidate {} (drop {:.2f} pp)\n", pct(r.reference_accuracy),
                     pct(r.candidate_accuracy), *r.top1_drop);
  if (r.top1_agreement) s += fmt::format("top-1 agreement: {}\n", pct(r.top1_agreement));
  for (const OutputFigures& o : r.outputs)
    s += fmt::format("output '{}': SQNR {} dB, MSE {}, max error {}\n", o.name, db(o.sqnr_db), num(o.mse), num(o.max_abs_error));
  if (r.per_layer) {
    const PerLayerReport& p = *r.per_layer;
    s += fmt::format("per layer ({} tensors matched by name, {} by position, {} unmatched):\n", p.matched_by_name,
                     p.matched_by_position, p.unmatched);
    for (const LayerError& l : p.rows)
      s += fmt::format("  {:>4}  {:<18} {:<40} SQNR {:>7} dB{}\n", l.op < 0 ? "in" : "#" + std::to_string(l.op), l.op_kind,
                       "'" + l.tensor + "'", db(l.sqnr_db),
                       l.sqnr_drop_db ? fmt::format("  ({:+.2f} dB vs its input)", -*l.sqnr_drop_db) : "");
    if (!p.worst.empty()) {
      s += "error grows most at:\n";
      for (size_t i : p.worst)
        s += fmt::format("  op #{} {} '{}': SQNR drops {:.2f} dB (to {} dB)\n", p.rows[i].op, p.rows[i].op_kind,
                         p.rows[i].tensor, *p.rows[i].sqnr_drop_db, db(p.rows[i].sqnr_db));
    }
  }
  for (const std::string& n : r.notes) s += "note: " + n + "\n";
  for (const ThresholdCheck& c : r.checks) s += check_line(c) + "\n";
  s += r.checks.empty() ? "verdict: no thresholds given\n" : (r.passed ? "verdict: PASS\n" : "verdict: FAIL\n");
  return s;
}

std::string render_verify_markdown(const VerifyReport& r) {
  std::string s = fmt::format("### tinyopt verify: {}\n\n", r.checks.empty() ? "no thresholds" : r.passed ? "✅ pass" : "❌ fail");
  s += fmt::format("`{}` (candidate) against `{}` (reference), {} samples.\n\n", r.candidate, r.reference, r.samples);
  s += "| figure | value |\n|---|---:|\n";
  if (r.reference_accuracy) {
    s += fmt::format("| accuracy, reference | {} |\n| accuracy, candidate | {} |\n", pct(r.reference_accuracy), pct(r.candidate_accuracy));
    s += fmt::format("| top-1 drop | {:.2f} pp |\n", *r.top1_drop);
  }
  if (r.top1_agreement) s += fmt::format("| top-1 agreement | {} |\n", pct(r.top1_agreement));
  for (const OutputFigures& o : r.outputs)
    s += fmt::format("| `{}` SQNR / MSE / max error | {} dB / {} / {} |\n", o.name, db(o.sqnr_db), num(o.mse), num(o.max_abs_error));
  if (!r.checks.empty()) {
    s += "\n| threshold | limit | measured | result |\n|---|---:|---:|---|\n";
    for (const ThresholdCheck& c : r.checks)
      s += fmt::format("| {}{} | {} | {} | {} |\n", c.name, c.output.empty() ? "" : " `" + c.output + "`",
                       c.name == "min-sqnr" ? db(c.limit) : num(c.limit), c.name == "min-sqnr" ? db(c.measured) : num(c.measured),
                       c.passed ? "pass" : "**fail**");
  }
  if (r.per_layer && !r.per_layer->worst.empty()) {
    s += "\nWhere the error grows most:\n\n| op | tensor | SQNR dB | drop dB |\n|---|---|---:|---:|\n";
    for (size_t i : r.per_layer->worst) {
      const LayerError& l = r.per_layer->rows[i];
      s += fmt::format("| #{} {} | `{}` | {} | {:.2f} |\n", l.op, l.op_kind, l.tensor, db(l.sqnr_db), *l.sqnr_drop_db);
    }
  }
  for (const std::string& n : r.notes) s += "\n> " + n + "\n";
  return s;
}

nlohmann::ordered_json verify_json(const VerifyReport& r, bool with_schema) {
  nlohmann::ordered_json j;
  if (with_schema) j["schema"] = kVerifySchema;
  j["reference"] = r.reference;
  j["candidate"] = r.candidate;
  j["data"] = r.data;
  j["samples"] = r.samples;
  j["accuracy"] = r.reference_accuracy
                      ? nlohmann::ordered_json{{"reference", *r.reference_accuracy}, {"candidate", *r.candidate_accuracy},
                                               {"drop_pp", *r.top1_drop}}
                      : nlohmann::ordered_json();
  j["top1_agreement"] = opt(r.top1_agreement);
  nlohmann::ordered_json outs = nlohmann::ordered_json::array();
  for (const OutputFigures& o : r.outputs)
    outs.push_back({{"name", o.name}, {"elements", o.elements}, {"sqnr_db", finite_or_null(o.sqnr_db)}, {"mse", finite_or_null(o.mse)},
                    {"max_abs_error", finite_or_null(o.max_abs_error)}});
  j["outputs"] = outs;
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const ThresholdCheck& c : r.checks)
    checks.push_back({{"threshold", c.name}, {"output", c.output.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.output)},
                      {"limit", c.limit}, {"measured", finite_or_null(c.measured)}, {"passed", c.passed}});
  j["checks"] = checks;
  j["passed"] = r.passed;
  if (r.per_layer) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const LayerError& l : r.per_layer->rows)
      rows.push_back({{"tensor", l.tensor}, {"reference_tensor", l.reference_tensor}, {"op", l.op}, {"op_kind", l.op_kind},
                      {"elements", l.elements}, {"sqnr_db", finite_or_null(l.sqnr_db)}, {"mse", l.mse},
                      {"max_abs_error", l.max_abs_error}, {"sqnr_drop_db", l.sqnr_drop_db ? finite_or_null(*l.sqnr_drop_db) : nlohmann::ordered_json()},
                      {"matched_by", l.by_name ? "name" : "position"}});
    nlohmann::ordered_json worst = nlohmann::ordered_json::array();
    for (size_t i : r.per_layer->worst) worst.push_back(r.per_layer->rows[i].tensor);
    j["per_layer"] = {{"tensors", rows}, {"worst", worst}, {"matched_by_name", r.per_layer->matched_by_name},
                      {"matched_by_position", r.per_layer->matched_by_position}, {"unmatched", r.per_layer->unmatched}};
  } else {
    j["per_layer"] = nullptr;
  }
  j["notes"] = r.notes;
  return j;
}

}  // namespace tinyopt
