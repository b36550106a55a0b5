// runtime/evaluate.cc: the evaluation loop of evaluate.h and dequantization of tensor bytes.
#include "runtime/evaluate.h"

#include <cstring>
#include <optional>

#include "ir/batching.h"

namespace tinyopt {
namespace {

template <class T> double element(std::span<const uint8_t> bytes, size_t i) {
  T v;
  std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
  return static_cast<double>(v);
}

double raw_element(DType t, std::span<const uint8_t> bytes, size_t i) {
  switch (t) {
    case DType::Float32: return element<float>(bytes, i);
    case DType::Int8: return element<int8_t>(bytes, i);
    case DType::UInt8: return element<uint8_t>(bytes, i);
    case DType::Int16: return element<int16_t>(bytes, i);
    case DType::Int32: return element<int32_t>(bytes, i);
    case DType::Int64: return element<int64_t>(bytes, i);
    case DType::Float64: return element<double>(bytes, i);
    default: return 0.0;
  }
}

// The graph re-batched to `block` samples when multi-sample execution applies to it (see evaluate.h).
std::optional<Graph> batched_graph(const Graph& g, const EvaluateOptions& opt) {
  const int block = opt.samples_per_invoke;
  if (block <= 1 || opt.on_worker_start || opt.before_invoke || opt.after_sample) return std::nullopt;
  auto batch_of_one = [&](TensorId id) { return !g.tensor(id).shape.empty() && g.tensor(id).shape[0] == 1; };
  for (TensorId id : g.inputs)
    if (!batch_of_one(id)) return std::nullopt;
  for (TensorId id : g.outputs)
    if (!batch_of_one(id)) return std::nullopt;
  Expected<Graph> b = with_batch_size(g, block);
  if (!b) return std::nullopt;
  for (const auto* ids : {&g.inputs, &g.outputs})
    for (TensorId id : *ids)
      if (b->tensor(id).byte_size() != g.tensor(id).byte_size() * static_cast<size_t>(block)) return std::nullopt;
  return std::move(*b);
}

// Multi-sample execution: block j holds samples [j * B, (j + 1) * B), blocks spread over the threads.
Expected<void> evaluate_blocks(const Graph& g, const Graph& batched, const Dataset& data, const EvaluateOptions& opt,
                               Evaluation& ev) {
  Expected<std::shared_ptr<const PreparedModel>> model = PreparedModel::create(batched);
  if (!model) return model.take_error();
  const Interpreter prototype(*model);
  const size_t block = static_cast<size_t>(opt.samples_per_invoke);
  const size_t n = data.size(), blocks = (n + block - 1) / block;
  ev.threads = sample_threads(opt.threads, blocks);
  ev.samples_per_invoke = opt.samples_per_invoke;
  std::vector<std::optional<Interpreter>> interps(ev.threads);
  return for_each_sample_index(blocks, opt.threads, [&](unsigned w, size_t j) -> Expected<void> {
    if (!interps[w]) interps[w].emplace(prototype.clone_for_thread());
    Interpreter& it = *interps[w];
    for (size_t k = 0; k < g.inputs.size(); ++k) {
      const Tensor& one = g.tensor(g.inputs[k]);
      const size_t bytes = one.byte_size();
      uint8_t* dst = it.input(k).bytes.data();
      for (size_t b = 0; b < block; ++b) {
        const size_t s = j * block + b;
        if (s >= n) {
          std::memset(dst + b * bytes, 0, bytes);  // padding sample, output dropped
          continue;
        }
        Expected<std::vector<uint8_t>> x = data.sample_for_tensor(s, k, one);
        if (!x) return x.take_error();
        if (x->size() != bytes)
          return fail(Errc::BadInput, {.file = data.source(), .tensor = one.name}, "sample {} has {} bytes, the input {}",
                      s, x->size(), bytes);
        std::memcpy(dst + b * bytes, x->data(), bytes);
      }
    }
    if (Expected<void> ok = it.invoke(); !ok) return ok;
    for (size_t k = 0; k < ev.outputs.size(); ++k) {
      const TensorView v = it.output(k);
      const size_t bytes = v.bytes.size() / block;
      for (size_t b = 0; b < block && j * block + b < n; ++b)
        ev.outputs[k].samples[j * block + b].assign(v.bytes.begin() + static_cast<long>(b * bytes),
                                                    v.bytes.begin() + static_cast<long>((b + 1) * bytes));
    }
    return {};
  });
}

}  // namespace

std::vector<float> dequantize(const Tensor& t, std::span<const uint8_t> bytes) {
  const size_t n = bytes.size() / dtype_size(t.dtype);
  std::vector<float> out(n);
  const bool quantized = !is_float(t.dtype) && t.quant && !t.quant->scale.empty() && !t.quant->zero_point.empty();
  if (!quantized) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(raw_element(t.dtype, bytes, i));
    return out;
  }
  const QuantParams& q = *t.quant;
  // Per-channel parameters: element i lies in channel (i / inner) % channels, inner = product of the later axes.
  size_t inner = 1;
  if (q.per_channel())
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < t.shape.size(); ++d) inner *= static_cast<size_t>(t.shape[d]);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = q.per_channel() ? (i / inner) % q.channels() : 0;
    // Same arithmetic as stack_samples' dequantization (formats/npy/npy_batch.cc): double, then float.
    out[i] = static_cast<float>(q.scale_at(c) * (raw_element(t.dtype, bytes, i) - static_cast<double>(q.zero_point_at(c))));
  }
  return out;
}

Expected<void> set_inputs(Interpreter& it, const Dataset& data, size_t s) {
  const Graph& g = it.graph();
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    Expected<std::vector<uint8_t>> bytes = data.sample_for_tensor(s, k, g.tensor(g.inputs[k]));
    if (!bytes) return bytes.take_error();
    if (Expected<void> ok = it.set_input(k, *bytes); !ok) return ok;
  }
  return {};
}

std::vector<float> OutputSamples::values(size_t s) const { return dequantize(tensor, samples.at(s)); }

Expected<Evaluation> evaluate_model(const Interpreter& prototype, const Dataset& data, const EvaluateOptions& opt) {
  const Graph& g = prototype.graph();
  if (data.num_inputs() != g.inputs.size())
    return fail(Errc::BadInput, {.file = data.source()}, "the dataset has {} input(s) but the model {} has {}",
                data.num_inputs(), g.source, g.inputs.size());
  Evaluation ev;
  ev.samples = data.size();
  const bool carry = opt.carry_state && prototype.stateful();
  const unsigned threads = carry ? 1u : opt.threads;  // carried state is a sequence: one interpreter, in order
  ev.threads = sample_threads(threads, data.size());
  if (opt.keep_outputs)
    for (TensorId id : g.outputs) ev.outputs.push_back({g.tensor(id), std::vector<std::vector<uint8_t>>(data.size())});
  // A stateful model's samples are steps of one sequence (or each from zero state): never re-batched.
  if (std::optional<Graph> batched = prototype.stateful() ? std::nullopt : batched_graph(g, opt)) {
    if (Expected<void> ok = evaluate_blocks(g, *batched, data, opt, ev); !ok) return ok.take_error();
    return ev;
  }
  std::vector<std::optional<Interpreter>> interps(ev.threads);
  Expected<void> ran = for_each_sample_index(data.size(), threads, [&](unsigned w, size_t s) -> Expected<void> {
    if (!interps[w]) {
      interps[w].emplace(prototype.clone_for_thread());
      if (opt.on_worker_start) opt.on_worker_start(w, *interps[w]);
    }
    Interpreter& it = *interps[w];
    if (!carry && it.stateful()) it.reset_state();
    if (Expected<void> ok = set_inputs(it, data, s); !ok) return ok;
    if (opt.before_invoke)
      if (Expected<void> ok = opt.before_invoke(w, s, it); !ok) return ok;
    if (Expected<void> ok = it.invoke(); !ok) return ok;
    for (size_t k = 0; k < ev.outputs.size(); ++k) {
      const TensorView v = it.output(k);
      ev.outputs[k].samples[s].assign(v.bytes.begin(), v.bytes.end());
    }
    if (opt.after_sample) return opt.after_sample(w, s, it);
    return {};
  });
  if (!ran) return ran.take_error();
  return ev;
}

Expected<Evaluation> evaluate_model(const Graph& g, const Dataset& data, const EvaluateOptions& options) {
  Expected<Interpreter> proto = Interpreter::create(g);
  if (!proto) return proto.take_error();
  return evaluate_model(*proto, data, options);
}

}  // namespace tinyopt
