// reports/report.cc: the analysis behind the resource report (see report.h).
#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/tflm_decode.h"
#include "reports/model_stats.h"

namespace tinyopt {
namespace {

// Rough code sizes (Cortex-M, -Os, TFLM at 2024-2026): the interpreter, allocator and flatbuffer access ~30 KB;
// each reference kernel 2-4 KB; the optimized libraries add their own kernels next to the reference fallbacks.
// Estimates, printed as such; measure the real binary with the map file.
constexpr int64_t kInterpreterCode = 30 * 1024;
int64_t per_kernel_code(KernelFamily k) {
  switch (k) {
    case KernelFamily::Reference: return 3 * 1024;
    case KernelFamily::CmsisNnScalar: return 4 * 1024;
    case KernelFamily::CmsisNnDsp: return 5 * 1024;
    case KernelFamily::CmsisNnMve: return 6 * 1024;
    case KernelFamily::EspNn: return 5 * 1024;
  }
  return 3 * 1024;
}

std::optional<SparsityInfo> sparsity_of(const Graph& g) {
  SparsityInfo s;
  std::set<TensorId> seen;
  int64_t rows = 0, value_bytes = 0;
  for (const Op& op : g.ops) {
    if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected) continue;
    const TensorId id = op.input(1);
    if (id < 0 || static_cast<size_t>(id) >= g.tensors.size() || !seen.insert(id).second) continue;
    const Tensor& w = g.tensor(id);
    if (!w.is_constant || w.data.empty()) continue;
    const size_t elem = dtype_size(w.dtype);
    const int64_t n = static_cast<int64_t>(w.data.size() / elem);
    for (int64_t i = 0; i < n; ++i) {
      bool zero = true;
      for (size_t b = 0; b < elem; ++b) zero = zero && w.data[static_cast<size_t>(i) * elem + b] == 0;
      s.zeros += zero ? 1 : 0;
    }
    s.weights += n;
    s.dense_bytes += static_cast<int64_t>(w.data.size());
    rows += w.shape.empty() ? 1 : w.shape[0];
    value_bytes = static_cast<int64_t>(elem);
  }
  if (s.weights == 0 || s.zeros * 10 < s.weights) return std::nullopt;
  const int64_t nonzero = s.weights - s.zeros;
  const int64_t bitmask = (s.weights + 7) / 8 + nonzero * value_bytes;
  const int64_t csr = nonzero * (value_bytes + 2) + (rows + 1) * 4;
  s.sparse_bytes = std::min(bitmask, csr);
  s.encoding = bitmask <= csr ? "bitmask" : "csr";
  return s;
}

// Notes raised per target, printed once each: "note" when every target raised it, "a, b: note" otherwise; in the
// order they were first raised.
class TargetNotes {
 public:
  void add(const std::string& target, const std::string& note) {
    auto it = std::find_if(notes_.begin(), notes_.end(), [&](const auto& n) { return n.first == note; });
    if (it == notes_.end()) it = notes_.insert(notes_.end(), {note, {}});
    if (std::find(it->second.begin(), it->second.end(), target) == it->second.end()) it->second.push_back(target);
  }
  std::vector<std::string> lines(size_t target_count) const {
    std::vector<std::string> out;
    for (const auto& [note, targets] : notes_)
      out.push_back(targets.size() == target_count ? note : fmt::format("{}: {}", fmt::join(targets, ", "), note));
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> notes_;
};

}  // namespace

int64_t estimate_kernel_code_bytes(const Graph& g, KernelFamily kernels) {
  std::set<OpKind> kinds;
  for (const Op& op : g.ops) kinds.insert(op.kind);
  return kInterpreterCode + static_cast<int64_t>(kinds.size()) * per_kernel_code(kernels);
}

Expected<Report> build_report(const Graph& g, std::string model_path, int64_t model_bytes,
                              std::span<const Target> targets, std::optional<std::string> kernels_override) {
  Report r;
  r.model = std::move(model_path);
  r.model_bytes = model_bytes;
  const ModelStats stats = compute_model_stats(g);
  r.total_macs = stats.total_macs;
  r.total_weight_bytes = stats.total_weight_bytes;
  r.encoded = stats.encoded;
  // The estimate of what a sparse encoding would take is for plain models; a compressed one shows its real encoding.
  if (r.encoded.empty()) r.sparsity = sparsity_of(g);

  for (const Target& t : targets) {
    TargetResult tr;
    tr.target = t;
    tr.kernels = t.kernels;
    if (kernels_override) {
      Expected<KernelFamily> k = resolve_kernels(*kernels_override, t.core);
      if (!k) return k.take_error();
      tr.kernels = *k;
    }
    Expected<TflmArena> arena = estimate_tflm_arena(g, {.pointer_bytes = t.word_bits / 8, .kernels = tr.kernels});
    if (!arena) return arena.take_error();
    tr.arena = std::move(*arena);
    for (size_t i = 0; i < g.ops.size(); ++i)
      if (g.ops[i].kind == OpKind::Decode) tr.decode_state_bytes += static_cast<int64_t>(tr.arena.ops[i].op_data_bytes);
    for (size_t i = 0; i < g.ops.size(); ++i) {  // decoded buffers live in scope i + 1
      int64_t live = 0;
      for (size_t b = 0; b < tr.arena.requests.size(); ++b) {
        const BufferRequest& q = tr.arena.requests[b];
        const int t = tr.arena.buffers[b].tensor;
        if (t >= 0 && q.first_use <= static_cast<int>(i) + 1 && static_cast<int>(i) + 1 <= q.last_use &&
            decode_producer(g, t) >= 0)
          live += static_cast<int64_t>((q.size + 15) / 16 * 16);
      }
      tr.decoded_peak_bytes = std::max(tr.decoded_peak_bytes, live);
    }
    tr.model_bytes = model_bytes;
    tr.kernel_code_bytes = estimate_kernel_code_bytes(g, tr.kernels);
    tr.flash_bytes = tr.model_bytes + tr.kernel_code_bytes;
    tr.runtime_objects = estimate_tflm_runtime_objects(g, t.word_bits / 8);
    tr.ram_bytes = static_cast<int64_t>(tr.arena.total_bytes + tr.runtime_objects.total_bytes);
    tr.flash_free = t.flash_bytes - tr.flash_bytes;
    tr.ram_free = t.ram_bytes - tr.ram_bytes;
    tr.fits = tr.flash_free >= 0 && tr.ram_free >= 0;
    r.targets.push_back(std::move(tr));
  }

  int float_ops = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    LayerRow row;
    row.index = static_cast<int>(i);
    row.op = std::string(op_kind_name(op.kind));
    if (!op.outputs.empty() && op.outputs[0] >= 0 && static_cast<size_t>(op.outputs[0]) < g.tensors.size()) {
      row.name = g.tensor(op.outputs[0]).name;
      row.output_shape = g.tensor(op.outputs[0]).shape;
    }
    if (i < stats.ops.size()) {
      row.macs = stats.ops[i].macs;
      row.weight_bytes = stats.ops[i].weight_bytes;
    }
    if (!r.targets.empty()) {
      row.live_bytes = r.targets[0].arena.ops[i].live_bytes;
      row.scratch_bytes = r.targets[0].arena.ops[i].scratch_bytes;
    }
    for (TargetResult& tr : r.targets) {
      CycleCost c = estimate_op_cycles(g, static_cast<int>(i), tr.kernels, tr.target.core_scale);
      tr.cycles += c.cycles;
      tr.fallback_ops += c.estimated_by == "fallback" && !c.reference_float ? 1 : 0;
      if (&tr == &r.targets.front()) float_ops += c.reference_float ? 1 : 0;
      row.cycles.push_back(std::move(c));
    }
    r.layers.push_back(std::move(row));
  }
  TargetNotes target_notes;
  for (TargetResult& tr : r.targets) {
    tr.latency_ms = static_cast<double>(tr.cycles) / (tr.target.clock_mhz * 1e3);
    if (tr.target.active_power_mw) tr.energy_mj = *tr.target.active_power_mw * tr.latency_ms / 1e3;
    if (tr.fallback_ops)
      target_notes.add(tr.target.name, fmt::format("{} op(s) have no {} cost entry and use the fallback rule "
                                                   "(flagged per layer)", tr.fallback_ops,
                                                   kernel_family_name(tr.kernels)));
    for (const std::string& n : tr.arena.notes) target_notes.add(tr.target.name, "arena: " + n);
  }
  for (std::string& n : target_notes.lines(r.targets.size())) r.notes.push_back(std::move(n));
  if (float_ops && !r.targets.empty())
    r.notes.push_back(fmt::format("{} float32 op(s): TFLM runs its reference float kernels for them (CMSIS-NN and "
                                  "ESP-NN are integer-only); their cycles use integer-kernel coefficients, not "
                                  "validated for float (flagged per layer)", float_ops));
  if (!r.targets.empty())
    r.notes.push_back(fmt::format("RAM = tensor arena + the TFLM objects outside it (MicroInterpreter + "
                                  "MicroMutableOpResolver<{}>), sized from TFLM's headers: an estimate; a profiler "
                                  "or resource variables would add to it", r.targets[0].runtime_objects.op_kinds));
  r.notes.push_back("kernel code size is an estimate (30 KB interpreter + a few KB per op kind); the model bytes "
                    "are measured");
  if (r.sparsity)
    r.notes.push_back("a sparse encoding of the weights is shown for information: TFLite Micro cannot use it as is; "
                      "`tinyopt compress` stores it as TFLM_DECODE prune encoding, which it can");
  if (!r.encoded.empty())
    r.notes.push_back("encoded weights: flash is the compressed file; the arena includes the decoded weight buffers "
                      "(non-persistent, alive from each TFLM_DECODE to its consumer) and DECODE's persistent state; "
                      "cycles include decoding. TFLite Micro needs MicroMutableOpResolver::AddDecode()");
  return r;
  return r;
}

}  // namespace tinyopt
