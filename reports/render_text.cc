// reports/render_text.cc: the terminal and Markdown tables of a report and of a comparison.
#include <fmt/format.h>

#include "reports/render.h"

namespace tinyopt {
namespace {

std::string verdict(const TargetResult& t) {
  if (t.fits) return "fits";
  std::string why;
  if (t.flash_free < 0) why += fmt::format("flash over by {}", format_bytes(-t.flash_free));
  if (t.ram_free < 0) why += fmt::format("{}RAM over by {}", why.empty() ? "" : ", ", format_bytes(-t.ram_free));
  return "DOES NOT FIT (" + why + ")";
}

std::string energy(const TargetResult& t) { return t.energy_mj ? fmt::format("{:.3f} mJ", *t.energy_mj) : "-"; }

// One table of targets, in text (`md` false) or Markdown.
std::string targets_table(const Report& r, bool md) {
  std::string out;
  if (md) {
    out += "| target | core | kernels | flash (model + code) | RAM (arena + TFLM objects) | arena lower bound | cycles | latency | "
           "energy | verdict |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  } else {
    out += fmt::format("{:<11} {:<15} {:<15} {:>22} {:>11} {:>11} {:>10} {:>11} {:>10}  {}\n", "target", "core",
                       "kernels", "flash (model+code)", "RAM", "lower bnd", "cycles", "latency", "energy",
                       "verdict");
  }
  for (const TargetResult& t : r.targets) {
    const std::string flash = fmt::format("{} / {}", format_bytes(t.flash_bytes), format_bytes(t.target.flash_bytes));
    const std::string ram = fmt::format("{} / {}", format_bytes(t.ram_bytes), format_bytes(t.target.ram_bytes));
    if (md)
      out += fmt::format("| {} | {} @ {} MHz | {} | {} | {} | {} | {} | {:.2f} ms | {} | {} |\n", t.target.name,
                         t.target.core, t.target.clock_mhz, kernel_family_name(t.kernels), flash, ram,
                         format_bytes(static_cast<int64_t>(t.arena.lower_bound_bytes)), format_count(t.cycles),
                         t.latency_ms, energy(t), verdict(t));
    else
      out += fmt::format("{:<11} {:<15} {:<15} {:>22} {:>11} {:>11} {:>10} {:>8.2f} ms {:>10}  {}\n", t.target.name,
                         t.target.core, kernel_family_name(t.kernels), flash, format_bytes(t.ram_bytes),
                         format_bytes(static_cast<int64_t>(t.arena.lower_bound_bytes)), format_count(t.cycles),
                         t.latency_ms, energy(t), verdict(t));
  }
  out += md ? "\n" : "";
  for (const TargetResult& t : r.targets)
    out += fmt::format("{}RAM {}: {} = arena {} (head {} + tail {}) + TFLM objects {} (interpreter {} + op resolver "
                       "{}, estimate)\n", md ? "- " : "", t.target.name, format_bytes(t.ram_bytes),
                       format_bytes(static_cast<int64_t>(t.arena.total_bytes)),
                       format_bytes(static_cast<int64_t>(t.arena.head_bytes)),
                       format_bytes(static_cast<int64_t>(t.arena.tail_bytes)),
                       format_bytes(static_cast<int64_t>(t.runtime_objects.total_bytes)),
                       format_bytes(static_cast<int64_t>(t.runtime_objects.interpreter_bytes)),
                       format_bytes(static_cast<int64_t>(t.runtime_objects.op_resolver_bytes)));
  return out;
}

std::string layers_table(const Report& r, bool md) {
  std::string out;
  std::string head = md ? "| # | op | output | MACs | weights | live | scratch |" : "";
  if (md) {
    for (const TargetResult& t : r.targets) head += fmt::format(" cycles {} |", t.target.name);
    out += head + "\n|---:|---|---|---:|---:|---:|---:|";
    for (size_t i = 0; i < r.targets.size(); ++i) out += "---:|";
    out += "\n";
  } else {
    out += fmt::format("{:>3} {:<18} {:<16} {:>9} {:>10} {:>10} {:>9}", "#", "op", "output", "MACs", "weights",
                       "live", "scratch");
    for (const TargetResult& t : r.targets) out += fmt::format(" {:>12}", t.target.name);
    out += "\n";
  }
  for (const LayerRow& l : r.layers) {
    std::string cycles;
    for (const CycleCost& c : l.cycles) {
      const std::string v = format_count(c.cycles) + (c.estimated_by == "fallback" ? "*" : "");
      cycles += md ? fmt::format(" {} |", v) : fmt::format(" {:>12}", v);
    }
    if (md)
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |{}\n", l.index, l.op, shape_to_string(l.output_shape),
                         format_count(l.macs), format_bytes(l.weight_bytes),
                         format_bytes(static_cast<int64_t>(l.live_bytes)),
                         format_bytes(static_cast<int64_t>(l.scratch_bytes)), cycles);
    else
      out += fmt::format("{:>3} {:<18} {:<16} {:>9} {:>10} {:>10} {:>9}{}\n", l.index, l.op,
                         shape_to_string(l.output_shape), format_count(l.macs), format_bytes(l.weight_bytes),
                         format_bytes(static_cast<int64_t>(l.live_bytes)),
                         format_bytes(static_cast<int64_t>(l.scratch_bytes)), cycles);
  }
  return out;
}

std::string summary(const Report& r, bool md) {
  std::string out = fmt::format("{}{}: {} model file, {} MACs, {} of weights\n", md ? "**" : "", r.model,
                                format_bytes(r.model_bytes), format_count(r.total_macs),
                                format_bytes(r.total_weight_bytes));
  if (md) out.insert(out.find(':'), "**");
  if (r.sparsity)
    out += fmt::format("{}sparse weights: {:.1f}% zeros; a {} encoding would take {} instead of {} (not usable by "
                       "TFLite Micro as is)\n", md ? "\n" : "",
                       100.0 * static_cast<double>(r.sparsity->zeros) / static_cast<double>(r.sparsity->weights),
                       r.sparsity->encoding, format_bytes(r.sparsity->sparse_bytes),
                       format_bytes(r.sparsity->dense_bytes));
  if (!r.encoded.empty()) {
    int64_t plain = 0, stored = 0;
    int lut = 0, prune = 0;
    for (const EncodedWeight& e : r.encoded) {
      plain += e.plain_bytes;
      stored += e.stored_bytes;
      (e.encoding == "prune" ? prune : lut) += 1;
    }
    out += fmt::format("{}encoded weights (TFLM_DECODE): {} tensors (LUT {}, prune {}), {} stored for {} decoded",
                       md ? "\n" : "", r.encoded.size(), lut, prune, format_bytes(stored), format_bytes(plain));
    if (!r.targets.empty())
      out += fmt::format("; arena +{} decoded buffers alive at once, +{} DECODE state ({})",
                         format_bytes(r.targets[0].decoded_peak_bytes), format_bytes(r.targets[0].decode_state_bytes),
                         r.targets[0].target.name);
    out += "\n";
  }
  return out;
}

std::string notes(const Report& r, bool md) {
  std::string out = md ? "\n" : "";
  for (const std::string& n : r.notes) out += (md ? "- " : "note: ") + n + "\n";
  out += md ? "- `*`: cycles from the fallback rule (no cost entry for that op)\n" : "";
  return out;
}

std::string compare(const Report& before, const Report& after, bool md) {
  std::string out;
  out += md ? fmt::format("**{}** → **{}**\n\n", before.model, after.model)
            : fmt::format("before: {}\nafter:  {}\n", before.model, after.model);
  out += md ? "| target | flash | RAM | cycles | latency | fits |\n|---|---:|---:|---:|---:|---|\n"
            : fmt::format("{:<11} {:>30} {:>30} {:>26} {:>24}  {}\n", "target", "flash", "RAM", "cycles",
                          "latency", "fits");
  for (size_t i = 0; i < before.targets.size() && i < after.targets.size(); ++i) {
    const TargetResult &b = before.targets[i], &a = after.targets[i];
    auto pct = [](double x, double y) { return y != 0 ? fmt::format("{:+.1f}%", 100.0 * (x - y) / y) : "n/a"; };
    const std::string flash = fmt::format("{} → {} ({})", format_bytes(b.flash_bytes), format_bytes(a.flash_bytes),
                                          pct(a.flash_bytes, b.flash_bytes));
    const std::string ram = fmt::format("{} → {} ({})", format_bytes(b.ram_bytes), format_bytes(a.ram_bytes),
                                        pct(a.ram_bytes, b.ram_bytes));
    const std::string cycles = fmt::format("{} → {} ({})", format_count(b.cycles), format_count(a.cycles),
                                           pct(static_cast<double>(a.cycles), static_cast<double>(b.cycles)));
    const std::string lat = fmt::format("{:.2f} → {:.2f} ms", b.latency_ms, a.latency_ms);
    const std::string fits = fmt::format("{} → {}", b.fits ? "yes" : "no", a.fits ? "yes" : "no");
    out += md ? fmt::format("| {} | {} | {} | {} | {} | {} |\n", a.target.name, flash, ram, cycles, lat, fits)
              : fmt::format("{:<11} {:>30} {:>30} {:>26} {:>24}  {}\n", a.target.name, flash, ram, cycles, lat, fits);
  }
  return out;
}

}  // namespace

std::string render_text(const Report& r) {
  return summary(r, false) + "\n" + targets_table(r, false) + "\n" + layers_table(r, false) + "\n" + notes(r, false) +
         (r.layers.empty() ? "" : "(*: cycles from the fallback rule)\n");
}

std::string render_markdown(const Report& r) {
  return "## Resource report\n\n" + summary(r, true) + "\n" + targets_table(r, true) +
         "\n<details><summary>Per layer</summary>\n\n" + layers_table(r, true) + "\n</details>\n" + notes(r, true);
}

std::string render_compare_text(const Report& before, const Report& after) { return compare(before, after, false); }
std::string render_compare_markdown(const Report& before, const Report& after) {
  return "## Resource report: before → after\n\n" + compare(before, after, true);
}

}  // namespace tinyopt
