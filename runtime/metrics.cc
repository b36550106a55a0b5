// runtime/metrics.cc: accuracy, agreement, error figures, and the tensor-by-tensor comparison of two graphs.
#include "runtime/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace tinyopt {

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

bool in_top_k(std::span<const float> v, int32_t label, int k) {
  if (label < 0 || static_cast<size_t>(label) >= v.size()) return false;
  // The label's rank: values above it, and equal values at lower indices.
  int rank = 0;
  const float x = v[static_cast<size_t>(label)];
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] > x || (v[i] == x && i < static_cast<size_t>(label))) ++rank;
  return rank < k;
}

Expected<double> top_k_accuracy(const Evaluation& ev, const Dataset& labels, int k, size_t output) {
  if (!labels.has_labels()) return fail(Errc::BadInput, {.file = labels.source()}, "the dataset has no labels");
  if (labels.size() != ev.samples || output >= ev.outputs.size())
    return fail(Errc::BadInput, {.file = labels.source()}, "{} labelled samples for an evaluation of {} samples (output {} of {})",
                labels.size(), ev.samples, output, ev.outputs.size());
  if (ev.samples == 0) return 0.0;
  int64_t hits = 0;
  for (size_t s = 0; s < ev.samples; ++s) hits += in_top_k(ev.outputs[output].values(s), labels.label(s), k);
  return static_cast<double>(hits) / static_cast<double>(ev.samples);
}

Expected<double> top1_agreement(const Evaluation& a, const Evaluation& b, size_t output) {
  if (a.samples != b.samples || output >= a.outputs.size() || output >= b.outputs.size())
    return fail(Errc::BadInput, {}, "evaluations of {} and {} samples (output {}) cannot be compared", a.samples, b.samples, output);
  if (a.samples == 0) return 0.0;
  int64_t same = 0;
  for (size_t s = 0; s < a.samples; ++s) same += argmax(a.outputs[output].values(s)) == argmax(b.outputs[output].values(s));
  return static_cast<double>(same) / static_cast<double>(a.samples);
}

void ErrorStats::add(std::span<const float> ref, std::span<const float> cand) {
  const size_t n = std::min(ref.size(), cand.size());
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i], d = r - static_cast<double>(cand[i]);
    signal += r * r;
    noise += d * d;
    max_abs_error = std::max(max_abs_error, std::abs(d));
  }
  elements += static_cast<int64_t>(n);
}

void ErrorStats::merge(const ErrorStats& o) {
  signal += o.signal;
  noise += o.noise;
  max_abs_error = std::max(max_abs_error, o.max_abs_error);
  elements += o.elements;
}

double ErrorStats::sqnr_db() const {
  if (noise == 0) return std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double ErrorStats::mse() const { return elements ? noise / static_cast<double>(elements) : 0.0; }

Expected<std::vector<ErrorStats>> compare_outputs(const Evaluation& ref, const Evaluation& cand) {
  if (ref.samples != cand.samples || ref.outputs.size() != cand.outputs.size())
    return fail(Errc::BadInput, {}, "evaluations of {} samples / {} outputs and {} samples / {} outputs cannot be compared",
                ref.samples, ref.outputs.size(), cand.samples, cand.outputs.size());
  std::vector<ErrorStats> out(ref.outputs.size());
  for (size_t k = 0; k < out.size(); ++k) {
    if (ref.outputs[k].tensor.num_elements() != cand.outputs[k].tensor.num_elements())
      return fail(Errc::BadInput, {.tensor = cand.outputs[k].tensor.name}, "output {} has {} elements, the reference's {}", k,
                  cand.outputs[k].tensor.num_elements(), ref.outputs[k].tensor.num_elements());
    for (size_t s = 0; s < ref.samples; ++s) out[k].add(ref.outputs[k].values(s), cand.outputs[k].values(s));
  }
  return out;
}

namespace {

// The activations (graph inputs and op outputs) of `g` by name, with the op producing each (-1 for inputs).
std::map<std::string, std::pair<TensorId, int>> activations(const Graph& g) {
  std::map<std::string, std::pair<TensorId, int>> out;
  for (TensorId id : g.inputs) out[g.tensor(id).name] = {id, -1};
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (TensorId id : g.ops[i].outputs) out[g.tensor(id).name] = {id, static_cast<int>(i)};
  return out;
}

}  // namespace

Expected<std::vector<TensorComparison>> compare_tensors(const Graph& reference, const Graph& candidate, const Dataset& data,
                                                        unsigned threads) {
  // Pairs of tensors with one name and one element count, in the candidate's tensor order.
  const auto ref_by_name = activations(reference), cand_by_name = activations(candidate);
  std::map<TensorId, TensorId> ref_of_cand;  // std::map: ascending candidate tensor id
  for (const auto& [name, produced] : cand_by_name) {
    const auto r = ref_by_name.find(name);
    if (r == ref_by_name.end() || reference.tensor(r->second.first).num_elements() != candidate.tensor(produced.first).num_elements())
      continue;
    ref_of_cand[produced.first] = r->second.first;
  }
  std::vector<TensorPair> pairs;
  for (const auto& [cand_id, ref_id] : ref_of_cand) pairs.push_back({ref_id, cand_id});
  return compare_tensor_pairs(reference, candidate, data, pairs, threads);
}

Expected<std::vector<TensorComparison>> compare_tensor_pairs(const Graph& reference, const Graph& candidate,
                                                             const Dataset& data, const std::vector<TensorPair>& pairs,
                                                             unsigned threads) {
  if (data.num_inputs() != reference.inputs.size() || data.num_inputs() != candidate.inputs.size())
    return fail(Errc::BadInput, {.file = data.source()}, "the dataset has {} input(s); the graphs have {} and {}",
                data.num_inputs(), reference.inputs.size(), candidate.inputs.size());
  std::vector<TensorComparison> rows;
  // A reference tensor may stand for several candidate tensors; each candidate tensor is in one pair.
  std::map<TensorId, std::vector<size_t>> pairs_of_ref;
  std::map<TensorId, size_t> pair_of_cand;
  for (const TensorPair& tp : pairs) {
    const std::string& name = candidate.tensor(tp.candidate).name;
    if (pair_of_cand.count(tp.candidate) ||
        reference.tensor(tp.reference).num_elements() != candidate.tensor(tp.candidate).num_elements())
      return fail(Errc::Internal, {.tensor = name}, "tensor pair is repeated or has unequal sizes");
    pair_of_cand[tp.candidate] = rows.size();
    pairs_of_ref[tp.reference].push_back(rows.size());
    rows.push_back({name, candidate.producer(tp.candidate).value_or(-1), {}});
  }
  Expected<Interpreter> ref_proto = Interpreter::create(reference);
  if (!ref_proto) return ref_proto.take_error();
  Expected<Interpreter> cand_proto = Interpreter::create(candidate);
  if (!cand_proto) return cand_proto.take_error();

  // Each worker runs the reference, keeping the real values of the paired tensors as they are produced (arena
  // slots are reused later in the run), then the candidate, comparing each paired tensor as it is produced.
  struct Worker {
    std::optional<Interpreter> ref, cand;
    std::vector<std::vector<float>> kept;  // per pair: the reference's values on the current sample
    size_t sample = 0;
  };
  std::vector<Worker> workers(sample_threads(threads, data.size()));
  std::vector<std::vector<ErrorStats>> per_sample(data.size(), std::vector<ErrorStats>(rows.size()));
  auto keep = [&](Worker& wk, const TensorView& v) {
    if (auto p = pairs_of_ref.find(v.id); p != pairs_of_ref.end()) {
      std::vector<float> values = dequantize(reference.tensor(v.id), v.bytes);
      for (size_t row : p->second) wk.kept[row] = values;
    }
  };
  auto compare = [&](Worker& wk, const TensorView& v) {
    if (auto p = pair_of_cand.find(v.id); p != pair_of_cand.end())
      per_sample[wk.sample][p->second].add(wk.kept[p->second], dequantize(candidate.tensor(v.id), v.bytes));
  };
  Expected<void> ran = for_each_sample_index(data.size(), threads, [&](unsigned w, size_t s) -> Expected<void> {
    Worker& wk = workers[w];
    if (!wk.ref) {
      wk.kept.resize(rows.size());
      wk.ref.emplace(ref_proto->clone_for_thread());
      wk.cand.emplace(cand_proto->clone_for_thread());
      wk.ref->set_observer([&keep, &wk](int, const Op&, std::span<const TensorView> outs) { for (const auto& v : outs) keep(wk, v); });
      wk.cand->set_observer([&compare, &wk](int, const Op&, std::span<const TensorView> outs) { for (const auto& v : outs) compare(wk, v); });
    }
    wk.sample = s;
    if (Expected<void> ok = set_inputs(*wk.ref, data, s); !ok) return ok;
    for (size_t k = 0; k < reference.inputs.size(); ++k) keep(wk, wk.ref->input(k));
    if (Expected<void> ok = wk.ref->invoke(); !ok) return ok;
    if (Expected<void> ok = set_inputs(*wk.cand, data, s); !ok) return ok;
    for (size_t k = 0; k < candidate.inputs.size(); ++k) compare(wk, wk.cand->input(k));
    return wk.cand->invoke();
  });
  if (!ran) return ran.take_error();
  for (const std::vector<ErrorStats>& sample : per_sample)
    for (size_t p = 0; p < rows.size(); ++p) rows[p].error.merge(sample[p]);
  return rows;
}

}  // namespace tinyopt
