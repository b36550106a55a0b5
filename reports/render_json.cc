// reports/render_json.cc: the JSON form of a report and of a comparison (schema in render.h).
#include <fmt/format.h>

#include "reports/render.h"

namespace tinyopt {

using nlohmann::ordered_json;

ordered_json report_to_json(const Report& r) {
  ordered_json j;
  j["model"] = r.model;
  j["model_bytes"] = r.model_bytes;
  j["total_macs"] = r.total_macs;
  j["total_weight_bytes"] = r.total_weight_bytes;
  ordered_json targets = ordered_json::array();
  for (const TargetResult& t : r.targets) {
    ordered_json o;
    o["name"] = t.target.name;
    o["core"] = t.target.core;
    o["clock_mhz"] = t.target.clock_mhz;
    o["kernels"] = std::string(kernel_family_name(t.kernels));
    o["word_bits"] = t.target.word_bits;
    o["flash_bytes"] = t.flash_bytes;
    o["model_bytes"] = t.model_bytes;
    o["kernel_code_bytes"] = t.kernel_code_bytes;
    o["flash_capacity"] = t.target.flash_bytes;
    o["flash_free"] = t.flash_free;
    o["ram_bytes"] = t.ram_bytes;
    o["arena_bytes"] = t.arena.total_bytes;
    o["arena_head_bytes"] = t.arena.head_bytes;
    o["arena_tail_bytes"] = t.arena.tail_bytes;
    o["arena_lower_bound"] = t.arena.lower_bound_bytes;
    o["arena_decoded_peak_bytes"] = t.decoded_peak_bytes;
    o["arena_decode_state_bytes"] = t.decode_state_bytes;
    o["arena_gap"] = t.arena.head_bytes - t.arena.lower_bound_bytes;
    o["runtime_objects_bytes"] = t.runtime_objects.total_bytes;
    o["runtime_objects"] = {{"interpreter_bytes", t.runtime_objects.interpreter_bytes},
                            {"op_resolver_bytes", t.runtime_objects.op_resolver_bytes},
                            {"op_resolver_ops", t.runtime_objects.op_kinds},
                            {"estimate", true}};
    o["ram_capacity"] = t.target.ram_bytes;
    o["ram_free"] = t.ram_free;
    o["cycles"] = t.cycles;
    o["latency_ms"] = t.latency_ms;
    o["energy_mj"] = t.energy_mj ? ordered_json(*t.energy_mj) : ordered_json(nullptr);
    o["fits"] = t.fits;
    o["fallback_ops"] = t.fallback_ops;
    ordered_json plan = ordered_json::array();
    for (size_t i = 0; i < t.arena.requests.size(); ++i) {
      const BufferRequest& b = t.arena.requests[i];
      const TflmBuffer& what = t.arena.buffers[i];
      plan.push_back({{"name", what.name},
                      {"tensor", what.tensor >= 0 ? ordered_json(what.tensor) : ordered_json(nullptr)},
                      {"scratch_of_op", what.op >= 0 ? ordered_json(what.op) : ordered_json(nullptr)},
                      {"offset", t.arena.plan.offsets[i]}, {"bytes", b.size},
                      {"first_scope", b.first_use}, {"last_scope", b.last_use}});
    }
    o["arena_plan"] = std::move(plan);
    targets.push_back(std::move(o));
  }
  j["targets"] = std::move(targets);
  ordered_json layers = ordered_json::array();
  for (const LayerRow& l : r.layers) {
    ordered_json o;
    o["index"] = l.index;
    o["op"] = l.op;
    o["name"] = l.name;
    o["output_shape"] = l.output_shape;
    o["macs"] = l.macs;
    o["weight_bytes"] = l.weight_bytes;
    o["live_bytes"] = l.live_bytes;
    o["scratch_bytes"] = l.scratch_bytes;
    ordered_json cycles = ordered_json::array();
    for (size_t i = 0; i < l.cycles.size() && i < r.targets.size(); ++i)
      cycles.push_back({{"target", r.targets[i].target.name}, {"cycles", l.cycles[i].cycles},
                        {"estimated_by", l.cycles[i].estimated_by}, {"assumptions", l.cycles[i].assumptions}});
    o["cycles"] = std::move(cycles);
    layers.push_back(std::move(o));
  }
  j["layers"] = std::move(layers);
  if (r.sparsity)
    j["sparsity"] = {{"weights", r.sparsity->weights}, {"zeros", r.sparsity->zeros},
                     {"dense_bytes", r.sparsity->dense_bytes}, {"sparse_bytes", r.sparsity->sparse_bytes},
                     {"encoding", r.sparsity->encoding}, {"usable_by_tflm", false}};
  else
    j["sparsity"] = nullptr;
  ordered_json encoded = ordered_json::array();
  for (const EncodedWeight& e : r.encoded)
    encoded.push_back({{"op", e.op}, {"tensor", e.tensor}, {"encoding", e.encoding}, {"bits", e.bits},
                       {"channels", e.channels}, {"plain_bytes", e.plain_bytes}, {"stored_bytes", e.stored_bytes}});
  j["encoded_weights"] = std::move(encoded);
  j["notes"] = r.notes;
  return j;
}

ordered_json compare_to_json(const Report& before, const Report& after) {
  ordered_json j;
  j["before"] = report_to_json(before);
  j["after"] = report_to_json(after);
  ordered_json delta = ordered_json::array();
  for (size_t i = 0; i < before.targets.size() && i < after.targets.size(); ++i) {
    const TargetResult &b = before.targets[i], &a = after.targets[i];
    delta.push_back({{"target", a.target.name},
                     {"flash_bytes", a.flash_bytes - b.flash_bytes},
                     {"ram_bytes", a.ram_bytes - b.ram_bytes},
                     {"arena_bytes", static_cast<int64_t>(a.arena.total_bytes) - static_cast<int64_t>(b.arena.total_bytes)},
                     {"cycles", a.cycles - b.cycles},
                     {"latency_ms", a.latency_ms - b.latency_ms}});
  }
  j["delta"] = std::move(delta);
  return j;
}

namespace {

// Names come from the model file and need not be UTF-8; dump() would throw on them, so bad bytes become U+FFFD
// (as cli/output.cc does for every other JSON document).
std::string dump_json(const ordered_json& j) {
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string render_json(const Report& r) {
  ordered_json j;
  j["schema"] = kReportSchema;
  j.update(report_to_json(r));
  return dump_json(j);
}

std::string render_compare_json(const Report& before, const Report& after) {
  ordered_json j;
  j["schema"] = "tinyopt.report-compare/1";
  j.update(compare_to_json(before, after));
  return dump_json(j);
}

std::string format_bytes(int64_t bytes) {
  const double b = static_cast<double>(bytes < 0 ? -bytes : bytes);
  const char* sign = bytes < 0 ? "-" : "";
  if (b < 1024) return fmt::format("{}{} B", sign, static_cast<int64_t>(b));
  if (b < 1024 * 1024) return fmt::format("{}{:.1f} KiB", sign, b / 1024);
  return fmt::format("{}{:.2f} MiB", sign, b / (1024 * 1024));
}

std::string format_count(int64_t n) {
  const double v = static_cast<double>(n);
  if (n < 10000 && n > -10000) return fmt::format("{}", n);
  if (n < 10000000 && n > -10000000) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.2f} M", v / 1e6);
}

std::string cycles_label(int64_t cycles) { return format_count(cycles) + " cyc"; }

}  // namespace tinyopt
