// reports/render.h: the formats of a resource report. Each function only formats a Report (reports/report.h);
// none computes a number, so text, JSON, Markdown and HTML always agree.
//
// JSON schema "tinyopt.report/1" (keys stable; documented in README "Resource report"):
//   { "schema", "model", "model_bytes", "total_macs", "total_weight_bytes",
//     "targets": [{ "name", "core", "clock_mhz", "kernels", "word_bits", "flash_bytes", "model_bytes",
//                   "kernel_code_bytes", "flash_capacity", "flash_free", "ram_bytes", "arena_bytes",
//                   "arena_head_bytes", "arena_tail_bytes", "arena_lower_bound", "arena_gap",
//                   "runtime_objects_bytes", "runtime_objects": { "interpreter_bytes", "op_resolver_bytes",
//                   "op_resolver_ops", "estimate": true }, "ram_capacity", "ram_free", "cycles", "latency_ms",
//                   "energy_mj" (null if unknown), "fits", "fallback_ops",
//                   "arena_plan": [{ "name", "tensor" (null for scratch), "scratch_of_op" (null for tensors),
//                                    "offset", "bytes", "first_scope", "last_scope" }] }],
//   ram_bytes = arena_bytes + runtime_objects_bytes; scope 0 is the model inputs, op i runs in scope i + 1.
//     "layers": [{ "index", "op", "name", "output_shape", "macs", "weight_bytes", "live_bytes", "scratch_bytes",
//                  "cycles": [{ "target", "cycles", "estimated_by", "assumptions" }] }],
//     "sparsity": null | { "weights", "zeros", "dense_bytes", "sparse_bytes", "encoding", "usable_by_tflm": false },
//     "notes": [string] }
// The compare form: { "schema": "tinyopt.report-compare/1", "before": <report>, "after": <report>,
//   "delta": [{ "target", "flash_bytes", "ram_bytes", "arena_bytes", "cycles", "latency_ms" }] } (after - before).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace tinyopt {

nlohmann::ordered_json report_to_json(const Report& r);                       // without "schema"
nlohmann::ordered_json compare_to_json(const Report& before, const Report& after);  // without "schema"

std::string render_json(const Report& r);  // one document, "schema" first
std::string render_text(const Report& r);
std::string render_markdown(const Report& r);
std::string render_html(const Report& r);  // self-contained page, inline SVG charts, no network

std::string render_compare_json(const Report& before, const Report& after);
std::string render_compare_text(const Report& before, const Report& after);
std::string render_compare_markdown(const Report& before, const Report& after);
// Both reports on one page: the summary deltas, per-layer bars before and after side by side (layers matched by
// output tensor name), and both arena maps.
std::string render_compare_html(const Report& before, const Report& after);

// Pieces of the HTML pages. arena_map_svg draws a head plan over the ops of `layers` (reports/render_arena_map.cc).
std::string html_escape(const std::string& s);
std::string html_page_start(const std::string& title);
std::string arena_map_svg(const TflmArena& arena, const std::vector<LayerRow>& layers, const std::string& title);
// The arena maps of a report: one per distinct plan (targets with the same word size and kernels share one).
std::string arena_maps_html(const Report& r);

// Small shared formatting helpers: "12.3 KiB", "1.23 M".
std::string format_bytes(int64_t bytes);
std::string format_count(int64_t n);
// "12.3 k cyc": a cycle count as the HTML charts label it.
std::string cycles_label(int64_t cycles);

}  // namespace tinyopt
