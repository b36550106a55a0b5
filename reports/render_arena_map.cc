// reports/render_arena_map.cc: TFLM's arena plan as a picture (inline SVG): every planned buffer of the head is
// a box at its offset (vertical, 0 at the bottom) over the ops during which it is alive (horizontal: the model
// inputs' scope, then one column per op). The op where the most bytes are live is marked, so a user sees which
// buffers fill the RAM and which layer to shrink. Hovering a box shows its tensor, size, offset and lifetime.
#include <algorithm>

#include <fmt/format.h>

#include "reports/render.h"

namespace tinyopt {
namespace {

// Box colours: activations cycle through a palette by request index (neighbours differ); scratch is grey.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6"};

}  // namespace

std::string arena_map_svg(const TflmArena& arena, const std::vector<LayerRow>& layers, const std::string& title) {
  const int scopes = static_cast<int>(layers.size()) + 1;  // scope 0: model inputs; op i runs in scope i + 1
  const double head = static_cast<double>(std::max<size_t>(arena.head_bytes, 1));
  const int left = 78, top = 28, plot_w = std::clamp(scopes * 28, 480, 1000), plot_h = 340, bottom = 48;
  const double col = static_cast<double>(plot_w) / scopes;
  auto y_of = [&](double offset) { return top + plot_h - plot_h * offset / head; };

  // The peak: the op with the most planned bytes live (what the head must hold at least). The inputs' scope 0
  // cannot exceed op 0's, which also reads them.
  int peak_scope = 0;
  size_t peak_bytes = 0;
  for (size_t i = 0; i < arena.ops.size(); ++i)
    if (arena.ops[i].live_bytes > peak_bytes) peak_bytes = arena.ops[i].live_bytes, peak_scope = static_cast<int>(i) + 1;

  std::string svg = fmt::format("<h3>{}</h3>\n<p>Head {} (lower bound {}), tail {}; {} planned buffers. Peak: {} "
                                "live {}.</p>\n", html_escape(title), format_bytes(static_cast<int64_t>(arena.head_bytes)),
                                format_bytes(static_cast<int64_t>(arena.lower_bound_bytes)),
                                format_bytes(static_cast<int64_t>(arena.tail_bytes)), arena.requests.size(),
                                peak_scope == 0 ? std::string("at the model inputs")
                                                : fmt::format("during op #{} {}", layers[peak_scope - 1].index,
                                                              html_escape(layers[peak_scope - 1].op)),
                                format_bytes(static_cast<int64_t>(peak_bytes)));
  svg += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"arena-map\" width=\"{}\" height=\"{}\" "
                     "font-family=\"sans-serif\" font-size=\"10\">\n", left + plot_w + 20, top + plot_h + bottom);
  // The peak column, behind the boxes.
  svg += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#fbe3e3\"/>\n",
                     left + col * peak_scope, top, col, plot_h);
  for (size_t i = 0; i < arena.requests.size(); ++i) {
    const BufferRequest& r = arena.requests[i];
    if (r.size == 0) continue;
    const double offset = static_cast<double>(arena.plan.offsets[i]);
    const double x0 = left + col * r.first_use, x1 = left + col * (r.last_use + 1);
    const double y1 = y_of(offset), y0 = y_of(offset + static_cast<double>(r.size));
    const TflmBuffer& b = arena.buffers[i];
    const char* fill = b.tensor >= 0 ? kPalette[i % std::size(kPalette)] : "#9a9a9a";
    const std::string alive = r.first_use == r.last_use
                                  ? fmt::format("scope {}", r.first_use)
                                  : fmt::format("scopes {}..{}", r.first_use, r.last_use);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
                       "fill-opacity=\"0.85\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{}: {} B at offset {}, "
                       "{} (scope 0 = inputs, op i = scope i+1)</title></rect>\n",
                       x0, y0, std::max(x1 - x0, 1.0), std::max(y1 - y0, 1.0), fill, html_escape(b.name), r.size,
                       arena.plan.offsets[i], alive);
    if (x1 - x0 > 40 && y1 - y0 > 13)
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#fff\">{}</text>\n", x0 + 3, y0 + 11,
                         html_escape(b.name.substr(0, static_cast<size_t>((x1 - x0 - 6) / 5.5))));
  }
  // Axes: offsets on the left (0, half, head), op indices below (every k-th so labels do not collide).
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>\n", left, top, left, top + plot_h);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>\n", left, top + plot_h,
                     left + plot_w, top + plot_h);
  for (double f : {0.0, 0.5, 1.0})
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 4, y_of(head * f) + 3,
                       format_bytes(static_cast<int64_t>(head * f)));
  const int every = std::max(1, static_cast<int>(28 / col) + 1);
  for (int s = 0; s < scopes; s += every)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + col * (s + 0.5),
                       top + plot_h + 14, s == 0 ? std::string("in") : fmt::format("#{}", layers[s - 1].index));
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">op (time) →</text>\n", left + plot_w / 2.0,
                     top + plot_h + 34);
  svg += fmt::format("<text x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">arena offset "
                     "→</text>\n", top + plot_h / 2, top + plot_h / 2);
  return svg + "</svg>\n";
}

}  // namespace tinyopt
