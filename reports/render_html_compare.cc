// reports/render_html_compare.cc: the HTML page of `report --compare`: per target the before → after figures,
// then per layer the before and after bars side by side (cycles on the first target, live arena bytes, weight
// bytes), then both arena maps side by side. Layers are matched by the name of their output tensor, so a pass
// that removes or adds ops still lines the rest up; an unmatched layer shows on its side only.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "reports/render.h"

namespace tinyopt {
namespace {

struct LayerPair {
  const LayerRow* before = nullptr;
  const LayerRow* after = nullptr;
};

// Merges the two layer lists in order: equal output names pair up; a layer whose name the other list holds
// further on waits for it, the other is shown alone.
std::vector<LayerPair> match_layers(const std::vector<LayerRow>& before, const std::vector<LayerRow>& after) {
  std::vector<LayerPair> out;
  size_t i = 0, j = 0;
  auto later_in = [](const std::vector<LayerRow>& rows, size_t from, const std::string& name) {
    return !name.empty() && std::any_of(rows.begin() + static_cast<std::ptrdiff_t>(from), rows.end(),
                                        [&](const LayerRow& l) { return l.name == name; });
  };
  while (i < before.size() || j < after.size()) {
    if (i < before.size() && j < after.size() && before[i].name == after[j].name) {
      out.push_back({&before[i++], &after[j++]});
    } else if (j < after.size() && (i >= before.size() || later_in(before, i, after[j].name))) {
      out.push_back({nullptr, &after[j++]});
    } else if (i < before.size() && (j >= after.size() || later_in(after, j, before[i].name))) {
      out.push_back({&before[i++], nullptr});
    } else {  // neither name occurs later in the other list: a replaced layer, shown in the same row
      out.push_back({i < before.size() ? &before[i++] : nullptr, j < after.size() ? &after[j++] : nullptr});
    }
  }
  return out;
}

using Metric = int64_t (*)(const LayerRow&);
int64_t first_target_cycles(const LayerRow& l) { return l.cycles.empty() ? 0 : l.cycles[0].cycles; }
int64_t live_bytes(const LayerRow& l) { return static_cast<int64_t>(l.live_bytes); }
int64_t weight_bytes(const LayerRow& l) { return l.weight_bytes; }

std::string bar(std::optional<int64_t> value, double max_value, int x, int y, int width, const char* color,
                std::string (*label)(int64_t)) {
  if (!value) return fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#999\">—</text>", x, y + 12);
  const double w = width * static_cast<double>(*value) / max_value;
  return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"13\" fill=\"{}\"/>"
                     "<text x=\"{:.1f}\" y=\"{}\">{}</text>", x, y + 2, std::max(w, 0.5), color, x + w + 4, y + 12,
                     html_escape(label(*value)));
}

// One chart: a row per matched layer, the before bar in the left column and the after bar in the right one, on
// one scale so lengths compare.
std::string side_by_side(const std::vector<LayerPair>& rows, const std::string& title, Metric metric,
                         std::string (*label)(int64_t)) {
  double max_value = 1;
  for (const LayerPair& p : rows)
    for (const LayerRow* l : {p.before, p.after})
      if (l) max_value = std::max(max_value, static_cast<double>(metric(*l)));
  const int row = 18, label_w = 230, bar_w = 300, col_w = bar_w + 100;
  std::string svg = fmt::format("<h3>{}</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                                "font-family=\"sans-serif\" font-size=\"11\">\n", html_escape(title),
                                label_w + 2 * col_w, row * static_cast<int>(rows.size()) + 34);
  svg += fmt::format("<text x=\"{}\" y=\"12\" font-weight=\"bold\">before</text><text x=\"{}\" y=\"12\" "
                     "font-weight=\"bold\">after</text>\n", label_w, label_w + col_w);
  for (size_t i = 0; i < rows.size(); ++i) {
    const LayerPair& p = rows[i];
    const int y = 20 + static_cast<int>(i) * row;
    const LayerRow& named = p.after ? *p.after : *p.before;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} {}</text>", label_w - 6, y + 12,
                       p.after ? fmt::format("#{}", p.after->index) : std::string("(removed)"), html_escape(named.op));
    auto value = [&](const LayerRow* l) { return l ? std::optional<int64_t>(metric(*l)) : std::nullopt; };
    svg += bar(value(p.before), max_value, label_w, y, bar_w, "#9bb3d9", label);
    svg += bar(value(p.after), max_value, label_w + col_w, y, bar_w, "#4a7bd0", label) + "\n";
  }
  return svg + "</svg>\n";
}

std::string delta_table(const Report& before, const Report& after) {
  auto pct = [](double a, double b) { return b != 0 ? fmt::format(" ({:+.1f}%)", 100.0 * (a - b) / b) : ""; };
  std::string h = "<table><tr><th>target</th><th>flash</th><th>RAM</th><th>arena</th><th>cycles</th><th>latency</th>"
                  "<th>fits</th></tr>\n";
  for (size_t i = 0; i < before.targets.size() && i < after.targets.size(); ++i) {
    const TargetResult &b = before.targets[i], &a = after.targets[i];
    const auto arena_b = static_cast<int64_t>(b.arena.total_bytes), arena_a = static_cast<int64_t>(a.arena.total_bytes);
    h += fmt::format("<tr><td class=l>{}</td><td>{} → {}{}</td><td>{} → {}{}</td><td>{} → {}{}</td>"
                     "<td>{} → {}{}</td><td>{:.2f} → {:.2f} ms</td><td class=\"{}\">{} → {}</td></tr>\n",
                     html_escape(a.target.name), format_bytes(b.flash_bytes), format_bytes(a.flash_bytes),
                     pct(static_cast<double>(a.flash_bytes), static_cast<double>(b.flash_bytes)),
                     format_bytes(b.ram_bytes), format_bytes(a.ram_bytes),
                     pct(static_cast<double>(a.ram_bytes), static_cast<double>(b.ram_bytes)), format_bytes(arena_b),
                     format_bytes(arena_a), pct(static_cast<double>(arena_a), static_cast<double>(arena_b)),
                     format_count(b.cycles), format_count(a.cycles),
                     pct(static_cast<double>(a.cycles), static_cast<double>(b.cycles)), b.latency_ms, a.latency_ms,
                     a.fits ? "yes" : "no", b.fits ? "yes" : "no", a.fits ? "yes" : "no");
  }
  return h + "</table>\n";
}

}  // namespace

std::string render_compare_html(const Report& before, const Report& after) {
  std::string h = html_page_start("tinyopt report: " + before.model + " → " + after.model);
  h += fmt::format("<h1>Resource report: before → after</h1>\n<p><b>before</b> {}: {} model file, {} MACs<br>"
                   "<b>after</b> {}: {} model file, {} MACs</p>\n", html_escape(before.model),
                   format_bytes(before.model_bytes), format_count(before.total_macs), html_escape(after.model),
                   format_bytes(after.model_bytes), format_count(after.total_macs));
  h += delta_table(before, after);
  const std::vector<LayerPair> rows = match_layers(before.layers, after.layers);
  if (!after.targets.empty()) {
    h += side_by_side(rows, "Cycles per layer on " + after.targets[0].target.name, first_target_cycles, cycles_label);
    h += side_by_side(rows, "Arena bytes live per layer (" + after.targets[0].target.name + ")", live_bytes,
                      format_bytes);
  }
  h += side_by_side(rows, "Weight bytes per layer", weight_bytes, format_bytes);
  h += "<div class=\"side\"><div><h2>before</h2>\n" + arena_maps_html(before) + "</div><div><h2>after</h2>\n" +
       arena_maps_html(after) + "</div></div>\n";
  h += "<h3>Notes (after)</h3><ul>\n";
  for (const std::string& n : after.notes) h += "<li>" + html_escape(n) + "</li>\n";
  return h + "</ul></body></html>\n";
}

}  // namespace tinyopt
