// reports/render_html.cc: a self-contained HTML page of a report: summary table, per-layer bar charts of cycles
// (first target) and of memory (live arena bytes and weight bytes), and the arena map of each distinct plan, drawn
// as inline SVG. No scripts, no external resources, so it opens anywhere, offline.
#include <algorithm>

#include <fmt/format.h>

#include "reports/render.h"

namespace tinyopt {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_page_start(const std::string& title) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}"
         "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
         "text-align:right}th{background:#f0f0f0}td.l{text-align:left}.no{color:#b00;font-weight:bold}"
         ".yes{color:#070}.side{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}</style></head><body>\n";
}

std::string arena_maps_html(const Report& r) {
  std::string out;
  std::vector<bool> drawn(r.targets.size(), false);
  for (size_t i = 0; i < r.targets.size(); ++i) {
    if (drawn[i]) continue;
    std::vector<std::string> names;
    for (size_t j = i; j < r.targets.size(); ++j)
      if (!drawn[j] && r.targets[j].arena.pointer_bytes == r.targets[i].arena.pointer_bytes &&
          r.targets[j].arena.kernels == r.targets[i].arena.kernels) {
        drawn[j] = true;
        names.push_back(r.targets[j].target.name);
      }
    std::string title = "Arena map: " + names[0];
    for (size_t k = 1; k < names.size(); ++k) title += ", " + names[k];
    title += fmt::format(" ({}-bit, {} kernels)", r.targets[i].arena.pointer_bytes * 8,
                         kernel_family_name(r.targets[i].arena.kernels));
    out += arena_map_svg(r.targets[i].arena, r.layers, title);
  }
  return out;
}

namespace {

// Horizontal bars, one per layer: label on the left, value text on the right of the bar.
std::string bar_chart(const Report& r, const std::string& title, const std::string& color,
                      const std::vector<int64_t>& values, std::string (*fmt_value)(int64_t)) {
  const int64_t max_value = std::max<int64_t>(1, values.empty() ? 1 : *std::max_element(values.begin(), values.end()));
  const int row = 18, label_w = 230, bar_w = 420, height = row * static_cast<int>(values.size()) + 30;
  std::string svg = fmt::format("<h3>{}</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                                "font-family=\"sans-serif\" font-size=\"11\">\n", html_escape(title),
                                label_w + bar_w + 110, height);
  for (size_t i = 0; i < values.size(); ++i) {
    const int y = 10 + static_cast<int>(i) * row;
    const double w = static_cast<double>(bar_w) * static_cast<double>(values[i]) / static_cast<double>(max_value);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">#{} {}</text>", label_w - 6, y + 12,
                       r.layers[i].index, html_escape(r.layers[i].op));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>", label_w, y + 2,
                       std::max(w, 0.5), row - 5, color);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", label_w + w + 4, y + 12,
                       html_escape(fmt_value(values[i])));
  }
  return svg + "</svg>\n";
}


}  // namespace

std::string render_html(const Report& r) {
  std::string h = html_page_start("tinyopt report: " + r.model);
  h += fmt::format("<h1>Resource report</h1>\n<p><b>{}</b>: {} model file, {} MACs, {} of weights</p>\n",
                   html_escape(r.model), format_bytes(r.model_bytes), format_count(r.total_macs),
                   format_bytes(r.total_weight_bytes));
  if (r.sparsity)
    h += fmt::format("<p>Sparse weights: {} of {} are zero; a {} encoding would take {} instead of {} "
                     "(not usable by TFLite Micro as is).</p>\n", r.sparsity->zeros, r.sparsity->weights,
                     r.sparsity->encoding, format_bytes(r.sparsity->sparse_bytes), format_bytes(r.sparsity->dense_bytes));
  h += "<table><tr><th>target</th><th>core</th><th>kernels</th><th>flash (model + code)</th><th>RAM (arena + "
       "TFLM objects)</th><th>arena</th><th>TFLM objects (estimate)</th><th>arena lower bound</th><th>cycles</th>"
       "<th>latency</th><th>energy</th><th>verdict</th></tr>\n";
  for (const TargetResult& t : r.targets)
    h += fmt::format("<tr><td class=l>{}</td><td class=l>{} @ {} MHz</td><td class=l>{}</td><td>{} / {}</td>"
                     "<td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f} ms</td><td>{}</td>"
                     "<td class=\"{}\">{}</td></tr>\n",
                     html_escape(t.target.name), html_escape(t.target.core), t.target.clock_mhz,
                     kernel_family_name(t.kernels), format_bytes(t.flash_bytes), format_bytes(t.target.flash_bytes),
                     format_bytes(t.ram_bytes), format_bytes(t.target.ram_bytes),
                     format_bytes(static_cast<int64_t>(t.arena.total_bytes)),
                     format_bytes(static_cast<int64_t>(t.runtime_objects.total_bytes)),
                     format_bytes(static_cast<int64_t>(t.arena.lower_bound_bytes)),
                     format_count(t.cycles), t.latency_ms,
                     t.energy_mj ? fmt::format("{:.3f} mJ", *t.energy_mj) : "-", t.fits ? "yes" : "no",
                     t.fits ? "fits" : "does not fit");
  h += "</table>\n";
  if (!r.targets.empty()) {
    std::vector<int64_t> cycles, live, weights;
    for (const LayerRow& l : r.layers) {
      cycles.push_back(l.cycles.empty() ? 0 : l.cycles[0].cycles);
      live.push_back(static_cast<int64_t>(l.live_bytes));
      weights.push_back(l.weight_bytes);
    }
    h += bar_chart(r, "Cycles per layer on " + r.targets[0].target.name, "#4a7bd0", cycles, cycles_label);
    h += bar_chart(r, "Arena bytes live per layer (" + r.targets[0].target.name + ")", "#d08a4a", live, format_bytes);
    h += bar_chart(r, "Weight bytes per layer", "#5aa05a", weights, format_bytes);
    h += arena_maps_html(r);
  }
  h += "<h3>Notes</h3><ul>\n";
  for (const std::string& n : r.notes) h += "<li>" + html_escape(n) + "</li>\n";
  return h + "</ul></body></html>\n";
}

}  // namespace tinyopt
