// runtime/interpreter.cc: prepare (kernels + arena plan), per-instance arenas, invoke, and the threaded sample loop.
#include "runtime/interpreter.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <thread>

#include "runtime/memory_planner.h"

namespace tinyopt {
namespace {

constexpr size_t kArenaAlignment = 64;  // a cache line; kernels need 16 (TFLM); AVX2 loads like 32

std::string dtype_list(const Graph& g, const std::vector<TensorId>& ids) {
  std::string s;
  for (TensorId id : ids) {
    if (!s.empty()) s += ", ";
    s += id == kNoTensor ? std::string("-") : std::string(dtype_name(g.tensor(id).dtype));
  }
  return s;
}

}  // namespace

Expected<std::shared_ptr<const PreparedModel>> PreparedModel::create(const Graph& g, const KernelRegistry& registry) {
  if (Expected<void> ok = g.validate(); !ok) return ok.take_error();
  std::shared_ptr<PreparedModel> m(new PreparedModel());
  m->graph_ = &g;

  // 1. One kernel per op; every op that cannot run is reported, not just the first.
  std::vector<Error> errors;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const int index = static_cast<int>(i);
    const DType key = g.tensor(op.inputs.at(0)).dtype;
    KernelFactory factory = registry.find(op.kind, key);
    if (!factory) {
      errors.push_back(fail(Errc::Unsupported, g.where(index), "no kernel for inputs ({}) -> outputs ({})",
                            dtype_list(g, op.inputs), dtype_list(g, op.outputs)));
      m->kernels_.push_back(nullptr);
      continue;
    }
    Expected<std::unique_ptr<Kernel>> k = factory(g, index);
    if (!k) {
      errors.push_back(k.take_error());
      m->kernels_.push_back(nullptr);
      continue;
    }
    m->kernels_.push_back(std::move(*k));
  }
  if (!errors.empty()) return join_errors(errors);

  // 2. Lifetimes: graph inputs from op 0, op outputs from their producer, each to its last reader; graph outputs
  //    live to the end. Scratch buffers live during their op only.
  const int last_op = std::max(0, static_cast<int>(g.ops.size()) - 1);
  const size_t nt = g.tensors.size();
  std::vector<int> first(nt, -1), last(nt, -1);
  for (TensorId id : g.inputs) first[static_cast<size_t>(id)] = 0, last[static_cast<size_t>(id)] = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const int index = static_cast<int>(i);
    for (TensorId id : g.ops[i].inputs)
      if (id != kNoTensor && first[static_cast<size_t>(id)] >= 0) last[static_cast<size_t>(id)] = index;
    for (TensorId id : g.ops[i].outputs) first[static_cast<size_t>(id)] = last[static_cast<size_t>(id)] = index;
  }
  for (TensorId id : g.outputs)
    if (first[static_cast<size_t>(id)] >= 0) last[static_cast<size_t>(id)] = last_op;
  // Variable tensors keep their value between invocations: live over the whole run, never shared.
  for (size_t t = 0; t < nt; ++t)
    if (g.tensors[t].is_variable && !g.tensors[t].is_constant) {
      first[t] = 0, last[t] = last_op;
      m->variables_.push_back(static_cast<TensorId>(t));
    }

  std::vector<BufferRequest> requests;
  std::vector<TensorId> request_tensor;  // tensor of each request, kNoTensor for scratch
  std::vector<int> request_op;
  for (size_t t = 0; t < nt; ++t) {
    if (first[t] < 0 || g.tensors[t].is_constant) continue;
    requests.push_back({g.tensors[t].byte_size(), first[t], last[t]});
    request_tensor.push_back(static_cast<TensorId>(t));
    request_op.push_back(-1);
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const size_t scratch = m->kernels_[i]->scratch_bytes();
    if (scratch == 0) continue;
    requests.push_back({scratch, static_cast<int>(i), static_cast<int>(i)});
    request_tensor.push_back(kNoTensor);
    request_op.push_back(static_cast<int>(i));
  }
  const ArenaPlan plan = plan_arena(requests, 16);
  m->offsets_.assign(nt, -1);
  m->scratch_offsets_.assign(g.ops.size(), -1);
  for (size_t r = 0; r < requests.size(); ++r) {
    if (request_tensor[r] != kNoTensor) m->offsets_[static_cast<size_t>(request_tensor[r])] = static_cast<int64_t>(plan.offsets[r]);
    else m->scratch_offsets_[static_cast<size_t>(request_op[r])] = static_cast<int64_t>(plan.offsets[r]);
  }
  m->arena_bytes_ = plan.arena_bytes;
  return std::shared_ptr<const PreparedModel>(std::move(m));
}

void Interpreter::AlignedFree::operator()(uint8_t* p) const {
  ::operator delete[](p, std::align_val_t{kArenaAlignment});
}

Expected<Interpreter> Interpreter::create(const Graph& g, const KernelRegistry& registry) {
  auto m = PreparedModel::create(g, registry);
  if (!m) return m.take_error();
  return Interpreter(std::move(*m));
}

Interpreter::Interpreter(std::shared_ptr<const PreparedModel> model) : model_(std::move(model)) {
  const size_t bytes = std::max<size_t>(model_->arena_bytes(), kArenaAlignment);
  arena_.reset(static_cast<uint8_t*>(::operator new[](bytes, std::align_val_t{kArenaAlignment})));
  std::memset(arena_.get(), 0, bytes);
  const Graph& g = graph();
  for (const Op& op : g.ops) {
    input_begin_.push_back(input_ptrs_.size());
    output_begin_.push_back(output_ptrs_.size());
    for (TensorId id : op.inputs) input_ptrs_.push_back(id == kNoTensor ? nullptr : tensor(id).bytes.data());
    for (TensorId id : op.outputs) output_ptrs_.push_back(tensor(id).bytes.data());
  }
  input_begin_.push_back(input_ptrs_.size());
  output_begin_.push_back(output_ptrs_.size());
  reset_state();  // AllocateTensors() ends with ResetVariableTensors()
}

TensorView Interpreter::tensor(TensorId id) {
  const Tensor& t = graph().tensor(id);
  TensorView v{.id = id, .dtype = t.dtype, .shape = &t.shape, .bytes = {}};
  const int64_t offset = model_->offset_of(id);
  if (offset >= 0) {
    v.bytes = {arena_.get() + offset, t.byte_size()};
  } else if (t.is_constant) {
    // Constants stay in the Graph; the view is mutable only for uniformity (kernels never write inputs).
    v.bytes = {const_cast<uint8_t*>(t.data.data()), t.data.size()};
  }
  return v;
}

Expected<void> Interpreter::set_input(size_t i, std::span<const uint8_t> bytes) {
  const Graph& g = graph();
  if (i >= g.inputs.size())
    return fail(Errc::BadInput, {.file = g.source}, "input index {} is out of range (model has {} inputs)", i,
                g.inputs.size());
  TensorView v = input(i);
  if (bytes.size() != v.bytes.size()) {
    const Tensor& t = g.tensor(g.inputs[i]);
    return fail(Errc::BadInput, {.file = g.source, .tensor = t.name},
                "input needs {} bytes ({} of {}), got {}", v.bytes.size(), shape_to_string(t.shape),
                dtype_name(t.dtype), bytes.size());
  }
  if (!bytes.empty()) std::memcpy(v.bytes.data(), bytes.data(), bytes.size());
  return {};
}

void Interpreter::reset_state() {
  const Graph& g = graph();
  for (TensorId id : model_->variables_) {
    TensorView v = tensor(id);
    if (v.bytes.empty()) continue;
    // TFLM's ResetTensorData: an int8 variable is filled with its zero point (real value 0), others with 0 bytes.
    const Tensor& t = g.tensor(id);
    int value = 0;
    if (t.dtype == DType::Int8 && t.quant && !t.quant->zero_point.empty()) value = static_cast<int>(t.quant->zero_point[0]);
    std::memset(v.bytes.data(), value, v.bytes.size());
  }
}

Expected<void> Interpreter::invoke() {
  const Graph& g = graph();
  std::vector<TensorView> views;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const int64_t so = model_->scratch_offsets_[i];
    const Kernel& k = *model_->kernels_[i];
    OpBuffers io{
        .inputs = {input_ptrs_.data() + input_begin_[i], input_begin_[i + 1] - input_begin_[i]},
        .outputs = {output_ptrs_.data() + output_begin_[i], output_begin_[i + 1] - output_begin_[i]},
        .scratch = so >= 0 ? std::span<uint8_t>(arena_.get() + so, k.scratch_bytes()) : std::span<uint8_t>()};
    k.eval(io);
    if (observer_) {
      views.clear();
      for (TensorId id : g.ops[i].outputs) views.push_back(tensor(id));
      observer_(static_cast<int>(i), g.ops[i], views);
    }
  }
  return {};
}

unsigned sample_threads(unsigned requested, size_t n) {
  const unsigned threads = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(n, 1)));
}

Expected<void> for_each_sample_index(size_t n, unsigned requested,
                                     const std::function<Expected<void>(unsigned worker, size_t sample)>& body) {
  const unsigned threads = sample_threads(requested, n);
  std::vector<std::optional<std::pair<size_t, Error>>> errors(threads);
  auto work = [&](unsigned t) {
    for (size_t s = t; s < n; s += threads) {
      Expected<void> ok = body(t, s);
      if (!ok) { errors[t] = {s, ok.take_error()}; return; }
    }
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (std::thread& th : pool) th.join();
  }
  std::optional<std::pair<size_t, Error>> first;
  for (auto& e : errors)
    if (e && (!first || e->first < first->first)) first = std::move(e);
  if (first) return std::move(first->second);
  return {};
}

Expected<void> for_each_sample(const Interpreter& prototype, size_t n,
                               const std::function<Expected<void>(Interpreter&, size_t)>& body, unsigned threads) {
  // One interpreter per worker, made on the worker's own thread.
  std::vector<std::optional<Interpreter>> interps(sample_threads(threads, n));
  return for_each_sample_index(n, threads, [&](unsigned w, size_t s) {
    if (!interps[w]) interps[w].emplace(prototype.clone_for_thread());
    return body(*interps[w], s);
  });
}

}  // namespace tinyopt
