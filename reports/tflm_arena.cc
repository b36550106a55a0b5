// reports/tflm_arena.cc: replays TFLite Micro's AllocateTensors() over a Graph; the steps are listed in
// tflm_arena.h. Stage 1 walks the tail allocations in TFLM's order through a model of its downward-growing
// allocator (so alignment padding comes out as TFLM's); stage 2 builds the head requests with TFLM's lifetimes and
// plans them with the shared greedy planner.
#include "reports/tflm_arena.h"

#include <algorithm>

#include <fmt/format.h>

#include "reports/tflm_kernel_data.h"

namespace tinyopt {
namespace {

constexpr size_t kArenaAlignment = 16;  // MicroArenaBufferAlignment()


// The tail of a SingleArenaBufferAllocator whose end is 16-byte aligned: each allocation moves the tail down by
// `size` and then down to `alignment`, i.e. the used byte count becomes align_up(used + size, alignment).
class TailModel {
 public:
  // Allocates and returns the bytes this allocation consumed (its size plus the padding before it).
  size_t allocate(size_t size, size_t alignment) {
    const size_t before = used_;
    used_ = align_up(used_ + size, alignment);
    return used_ - before;
  }
  size_t used() const { return used_; }

 private:
  size_t used_ = 0;
};

// Struct sizes for a pointer width p (TF_LITE_STATIC_MEMORY layouts).
struct Sizes {
  size_t p;
  size_t single_arena_allocator() const { return align_up(2 * p + 5 * p + p + 4, p); }  // 2 vptrs, 5 ptrs, sum, count
  size_t greedy_planner() const { return align_up(p + 8 + 4 * p + 8 + p + 1, p); }      // vptr, ints, arrays, flag
  size_t micro_allocator() const { return align_up(align_up(5 * p + 1, p) + 3 * p, p); }
  size_t builtin_data_allocator() const { return 2 * p; }  // vptr + persistent allocator pointer
  size_t subgraph_allocations() const { return 2 * p; }    // node_and_registrations + tensors pointers
  size_t eval_tensor() const { return align_up(2 * p + 4, p); }  // data, dims, type
  // TfLiteNode (inputs, outputs, intermediates, user_data, builtin_data, custom_initial_data, size) + registration.
  size_t node_and_registration() const { return align_up(6 * p + 4, p) + p; }
  // TfLiteTensor: params{scale, zp}, quantization{type, params*}, data, dims, bytes, type, allocation_type, flag.
  size_t tflite_tensor() const { return align_up(8 + align_up(4, p) + p + 3 * p + 4 + 4 + 1, p); }
  size_t affine_quantization() const { return align_up(2 * p + 4, p); }  // scale*, zero_point*, dimension
  static size_t int_array(size_t n) { return 4 + 4 * n; }
  size_t scratch_handle() const { return p; }
};

bool needs_planning(const Tensor& t) { return !t.is_constant && !t.is_variable && t.byte_size() != 0; }

// TFLite's offline memory plan (metadata "OfflineMemoryAllocation", TFLM docs/memory_management.md): uint32
// words [version, subgraph, tensor count, then one int32 offset per tensor, -1 = plan online]. Returns one entry
// per tensor, or an empty vector when the model has no offline plan. TFLM refuses a plan whose tensor count is
// not the model's (AllocationInfoBuilder::GetOfflinePlannedOffsets), and so does this.
Expected<std::vector<long long>> offline_offsets(const Graph& g) {
  std::vector<long long> offsets;
  for (const MetadataEntry& m : g.metadata) {
    if (m.name != "OfflineMemoryAllocation") continue;
    const Location where{.file = g.source};
    auto word = [&](size_t i) {
      uint32_t w = 0;
      for (size_t b = 0; b < 4; ++b) w |= static_cast<uint32_t>(m.data[4 * i + b]) << (8 * b);
      return w;
    };
    if (m.data.size() < 12 || m.data.size() % 4 != 0)
      return fail(Errc::BadInput, where, "metadata 'OfflineMemoryAllocation': {} bytes, not a header of 3 words "
                  "and one word per tensor", m.data.size());
    const size_t count = word(2);
    if (count != g.tensors.size() || m.data.size() / 4 - 3 != count)
      return fail(Errc::BadInput, where, "metadata 'OfflineMemoryAllocation': offsets for {} tensors ({} stored), "
                  "the model has {} (TFLM refuses this plan)", count, m.data.size() / 4 - 3, g.tensors.size());
    offsets.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const auto offset = static_cast<int32_t>(word(3 + i));
      if (offset < -1)
        return fail(Errc::BadInput, where, "metadata 'OfflineMemoryAllocation': tensor {}: offset {} is negative",
                    i, offset);
      offsets[i] = offset;
    }
  }
  return offsets;
}

}  // namespace

Expected<TflmArena> estimate_tflm_arena(const Graph& g, const TflmArenaOptions& options) {
  const int n_tensors = static_cast<int>(g.tensors.size());
  auto valid = [&](TensorId id) { return id >= 0 && id < n_tensors; };
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (const auto* list : {&g.ops[i].inputs, &g.ops[i].outputs})
      for (TensorId id : *list)
        if (id != kNoTensor && !valid(id))
          return fail(Errc::BadInput, g.where(static_cast<int>(i)), "tensor id {} out of range", id);
  for (TensorId id : g.inputs)
    if (!valid(id)) return fail(Errc::BadInput, {.file = g.source}, "graph input tensor id {} out of range", id);
  for (TensorId id : g.outputs)
    if (!valid(id)) return fail(Errc::BadInput, {.file = g.source}, "graph output tensor id {} out of range", id);

  const Sizes s{static_cast<size_t>(options.pointer_bytes == 8 ? 8 : 4)};
  TflmArena a;
  a.pointer_bytes = static_cast<int>(s.p);
  a.kernels = options.kernels;
  const size_t n_ops = g.ops.size();
  a.ops.resize(n_ops);

  // Stage 1: the tail, in TFLM's order.
  TailModel tail;
  a.allocator_objects_bytes += tail.allocate(s.single_arena_allocator(), s.p);
  a.allocator_objects_bytes += tail.allocate(s.greedy_planner(), s.p);
  a.allocator_objects_bytes += tail.allocate(s.micro_allocator(), s.p);
  a.allocator_objects_bytes += tail.allocate(s.builtin_data_allocator(), s.p);
  a.allocator_objects_bytes += tail.allocate(s.subgraph_allocations(), s.p);
  a.eval_tensor_bytes = tail.allocate(s.eval_tensor() * g.tensors.size(), s.p);
  a.node_registration_bytes = tail.allocate(s.node_and_registration() * n_ops, s.p);

  std::vector<TflmKernelData> kernel(n_ops);
  for (size_t i = 0; i < n_ops; ++i) {
    kernel[i] = tflm_kernel_data(g, static_cast<int>(i), static_cast<int>(s.p), options.kernels);
    if (kernel[i].builtin_bytes) {
      a.builtin_data_bytes += tail.allocate(kernel[i].builtin_bytes, kernel[i].builtin_align);
      a.ops[i].builtin_data_bytes = kernel[i].builtin_bytes;
    }
    a.ops[i].modelled_exactly = kernel[i].exact;
  }
  for (size_t i = 0; i < n_ops; ++i)  // every kernel's Init, then every Prepare (InitSubgraphs, PrepareSubgraphs)
    for (size_t bytes : kernel[i].init_buffers) {
      a.op_data_bytes += tail.allocate(bytes, kArenaAlignment);
      a.ops[i].op_data_bytes += bytes;
    }
  size_t scratch_count = 0;
  for (size_t i = 0; i < n_ops; ++i) {
    for (size_t bytes : kernel[i].prepare_buffers) {
      a.op_data_bytes += tail.allocate(bytes, kArenaAlignment);
      a.ops[i].op_data_bytes += bytes;
    }
    scratch_count += kernel[i].scratch_buffers.size();
  }
  if (scratch_count) a.scratch_handle_bytes = tail.allocate(s.scratch_handle() * scratch_count, s.p);
  for (const Tensor& t : g.tensors)
    if (t.is_variable) a.variable_bytes += tail.allocate(t.byte_size(), kArenaAlignment);
  for (const auto* list : {&g.inputs, &g.outputs}) {
    a.io_tensor_bytes += tail.allocate(s.p * list->size(), kArenaAlignment);  // TfLiteTensor* array
    for (TensorId id : *list) {
      a.io_tensor_bytes += tail.allocate(s.tflite_tensor(), s.p);
      const Tensor& t = g.tensor(id);
      if (t.quant && !t.quant->scale.empty() && !t.quant->zero_point.empty()) {
        a.io_tensor_bytes += tail.allocate(s.affine_quantization(), s.p);
        a.io_tensor_bytes += tail.allocate(Sizes::int_array(t.quant->scale.size()), 4);
      }
    }
  }
  a.tail_bytes = tail.used();

  // Stage 2: the head. Lifetimes in allocation scopes (MarkAllocationLifetimes).
  std::vector<int> first(static_cast<size_t>(n_tensors), -1), last(static_cast<size_t>(n_tensors), -1);
  auto created = [&](TensorId id, int scope) { first[id] = scope; last[id] = scope; };
  for (TensorId id : g.inputs) created(id, 0);
  for (TensorId id : g.outputs) created(id, 0);
  for (size_t i = 0; i < n_ops; ++i) {
    const int scope = static_cast<int>(i) + 1;
    for (TensorId id : g.ops[i].outputs) created(id, scope);
    for (TensorId id : g.ops[i].inputs)
      if (id != kNoTensor) last[id] = scope;
    for (TensorId id : g.ops[i].outputs) last[id] = scope;
  }
  for (TensorId id : g.outputs) last[id] = static_cast<int>(n_ops);

  Expected<std::vector<long long>> offline = offline_offsets(g);
  if (!offline) return offline.take_error();
  for (int id = 0; id < n_tensors; ++id) {
    const Tensor& t = g.tensor(id);
    if (!needs_planning(t)) continue;
    const long long fixed = offline->empty() ? BufferRequest::kOnlinePlanned : (*offline)[static_cast<size_t>(id)];
    a.requests.push_back({.size = t.byte_size(), .first_use = first[id], .last_use = last[id], .offline_offset = fixed});
    a.buffers.push_back({.tensor = id, .op = -1, .name = t.name});
  }
  for (size_t i = 0; i < n_ops; ++i)
    for (size_t bytes : kernel[i].scratch_buffers) {
      const int scope = static_cast<int>(i) + 1;
      a.requests.push_back({bytes, scope, scope});
      a.buffers.push_back({.tensor = -1, .op = static_cast<int>(i),
                           .name = fmt::format("scratch of op #{} {}", i, op_kind_name(g.ops[i].kind))});
      a.ops[i].scratch_bytes += bytes;
    }
  a.plan = plan_arena(a.requests, kArenaAlignment);
  a.head_bytes = a.plan.arena_bytes;
  a.lower_bound_bytes = arena_lower_bound(a.requests, kArenaAlignment);
  for (size_t i = 0; i < n_ops; ++i) {
    const int scope = static_cast<int>(i) + 1;
    for (const BufferRequest& r : a.requests)
      if (r.first_use <= scope && scope <= r.last_use) a.ops[i].live_bytes += align_up(r.size, kArenaAlignment);
  }
  a.total_bytes = a.head_bytes + a.tail_bytes;

  int approximate = 0;
  for (const TflmOpMemory& m : a.ops) approximate += m.modelled_exactly ? 0 : 1;
  if (approximate)
    a.notes.push_back(fmt::format("{} op(s) use kernel data modelled from TFLM sources but not verified against a "
                                  "TFLM build; the tail may be off by tens of bytes per such op", approximate));
  if (options.kernels != KernelFamily::Reference)
    a.notes.push_back(fmt::format("{} kernels: scratch buffers and OpData follow the library's buffer-size rules "
                                  "approximately; reference kernels are the verified case",
                                  kernel_family_name(options.kernels)));
  return a;
}

std::string print_arena_plan(const Graph& g, const TflmArena& arena, int width) {
  int scopes = static_cast<int>(g.ops.size()) + 1;
  std::string out = fmt::format("head {} bytes (lower bound {}), tail {} bytes; rows: buffers by offset, columns: "
                                "scopes 0..{}\n", arena.head_bytes, arena.lower_bound_bytes, arena.tail_bytes,
                                scopes - 1);
  std::vector<size_t> order(arena.requests.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return arena.plan.offsets[x] < arena.plan.offsets[y]; });
  const int cols = std::max(1, std::min(width, scopes));
  for (size_t i : order) {
    const BufferRequest& r = arena.requests[i];
    std::string row(static_cast<size_t>(cols), '.');
    for (int c = 0; c < cols; ++c) {
      const int lo = c * scopes / cols, hi = (c + 1) * scopes / cols - 1;
      if (r.first_use <= std::max(lo, hi) && lo <= r.last_use) row[static_cast<size_t>(c)] = '#';
    }
    out += fmt::format("{:>8} {:>7} |{}| {}\n", arena.plan.offsets[i], r.size, row, arena.buffers[i].name);
  }
  return out;
}

}  // namespace tinyopt
