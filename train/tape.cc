// train/tape.cc: building a TapeProgram (kernels, parameters, gradient flags) and running a Tape.
#include "train/tape.h"

#include <algorithm>
#include <cstring>

#include "train/fake_quant.h"

namespace tinyopt {
namespace {

// Inputs of `kind` at which a float constant is a trainable parameter.
bool is_parameter_slot(OpKind kind, size_t input) {
  switch (kind) {
    case OpKind::Conv2D: case OpKind::DepthwiseConv2D: case OpKind::FullyConnected: return input == 1 || input == 2;
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: return input <= 1;
    case OpKind::TransposeConv: return input == 1 || input == 3;
    case OpKind::Svdf: return input >= 1 && input <= 3;                      // feature, time weights, bias
    case OpKind::SequenceLstm: return (input >= 1 && input <= 8) || (input >= 12 && input <= 15);  // gates
    default: return false;
  }
}

}  // namespace

Expected<std::unique_ptr<TapeProgram>> TapeProgram::create(Graph g, const Options& options) {
  std::unique_ptr<TapeProgram> p(new TapeProgram());
  p->graph_ = std::move(g);
  const Graph& graph = p->graph_;
  const size_t nt = graph.tensors.size();
  p->needs_grad_.assign(nt, false);
  p->has_backward_ = options.backward;

  if (options.backward) {
    std::vector<bool> is_param(nt, false);
    for (const Op& op : graph.ops)
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const TensorId id = op.inputs[i];
        if (id == kNoTensor || !is_parameter_slot(op.kind, i)) continue;
        const Tensor& t = graph.tensor(id);
        if (!t.is_constant || t.dtype != DType::Float32) continue;
        if (std::find(options.frozen.begin(), options.frozen.end(), id) != options.frozen.end()) continue;
        is_param[static_cast<size_t>(id)] = true;
      }
    for (size_t id = 0; id < nt; ++id)
      if (is_param[id]) {
        p->parameters_.push_back(static_cast<TensorId>(id));
        p->needs_grad_[id] = true;
      }
    if (options.input_grads)
      for (TensorId id : graph.inputs)
        if (graph.tensor(id).dtype == DType::Float32) p->needs_grad_[static_cast<size_t>(id)] = true;
    for (const Op& op : graph.ops) {
      bool any = false;
      for (TensorId id : op.inputs) any = any || p->needs_grad(id);
      for (TensorId id : op.outputs)
        if (any && graph.tensor(id).dtype == DType::Float32) p->needs_grad_[static_cast<size_t>(id)] = true;
    }
  }

  std::vector<Error> errors;
  const KernelRegistry& forward = KernelRegistry::builtin();
  const BackwardRegistry& backward = BackwardRegistry::builtin();
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    const int index = static_cast<int>(i);
    const TensorId first = op.input(0);
    const DType dtype = first == kNoTensor ? DType::Float32 : graph.tensor(first).dtype;
    KernelFactory ff = forward.find(op.kind, dtype);
    if (!ff) {
      errors.push_back(fail(Errc::Unsupported, graph.where(index), "no float kernel for input dtype {}", dtype_name(dtype)));
      p->forward_.emplace_back();
      p->backward_.emplace_back();
      continue;
    }
    auto k = ff(graph, index);
    if (!k) {
      errors.push_back(k.take_error());
      p->forward_.emplace_back();
    } else {
      p->scratch_bytes_ = std::max(p->scratch_bytes_, (*k)->scratch_bytes());
      p->forward_.push_back(std::move(*k));
    }
    const bool needed = !op.outputs.empty() && p->needs_grad(op.outputs[0]);
    if (!needed) {
      p->backward_.emplace_back();
      continue;
    }
    BackwardFactory bf = backward.find(op.kind);
    if (!bf) {
      errors.push_back(fail(Errc::Unsupported, graph.where(index), "no gradient (backward kernel) for this op"));
      p->backward_.emplace_back();
      continue;
    }
    auto b = bf(graph, index);
    if (!b) {
      errors.push_back(b.take_error());
      p->backward_.emplace_back();
      continue;
    }
    p->scratch_bytes_ = std::max(p->scratch_bytes_, (*b)->scratch_floats() * sizeof(float));
    p->backward_.push_back(std::move(*b));
  }
  if (!errors.empty()) return join_errors(errors);
  return p;
}

Tape::Tape(const TapeProgram& program) : program_(&program) {
  const Graph& g = program.graph();
  values_.resize(g.tensors.size());
  grads_.resize(g.tensors.size());
  for (size_t id = 0; id < g.tensors.size(); ++id) {
    const Tensor& t = g.tensors[id];
    const auto n = static_cast<size_t>(t.num_elements());
    // Every non-constant tensor gets a float-aligned buffer; int tensors (rare) use ceil(bytes / 4) floats.
    if (!t.is_constant) values_[id].assign((t.byte_size() + sizeof(float) - 1) / sizeof(float), 0.f);
    if (program.needs_grad(static_cast<TensorId>(id))) grads_[id].assign(n, 0.f);
  }
  scratch_.assign(program.scratch_bytes_ / sizeof(float) + 4, 0.f);
}

std::span<float> Tape::input(size_t i) {
  const TensorId id = program_->graph().inputs.at(i);
  auto& v = values_[static_cast<size_t>(id)];
  return {v.data(), static_cast<size_t>(program_->graph().tensor(id).num_elements())};
}

const float* Tape::pointer(TensorId id) const {
  if (id == kNoTensor) return nullptr;
  const Tensor& t = program_->graph().tensor(id);
  if (t.is_constant) return t.dtype == DType::Float32 ? reinterpret_cast<const float*>(t.data.data()) : nullptr;
  return values_[static_cast<size_t>(id)].data();
}

std::span<const float> Tape::values(TensorId id) const {
  return {pointer(id), static_cast<size_t>(program_->graph().tensor(id).num_elements())};
}

std::span<float> Tape::grad(TensorId id) {
  if (id == kNoTensor) return {};
  return grads_[static_cast<size_t>(id)];
}

void Tape::forward() {
  const Graph& g = program_->graph();
  // Every forward starts from zero state (SVDF, LSTM variables), as each evaluated sample does
  // (runtime/evaluate.h): training samples are independent sequences, and the recurrent backward kernels rely on it.
  for (size_t id = 0; id < g.tensors.size(); ++id)
    if (g.tensors[id].is_variable && !g.tensors[id].is_constant) std::fill(values_[id].begin(), values_[id].end(), 0.f);
  std::vector<const uint8_t*> ins;
  std::vector<uint8_t*> outs;
  auto* scratch = reinterpret_cast<uint8_t*>(scratch_.data());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    ins.clear();
    outs.clear();
    for (TensorId id : op.inputs) {
      if (id == kNoTensor) ins.push_back(nullptr);
      else if (g.tensor(id).is_constant) ins.push_back(g.tensor(id).data.data());
      else ins.push_back(reinterpret_cast<const uint8_t*>(values_[static_cast<size_t>(id)].data()));
    }
    for (TensorId id : op.outputs) outs.push_back(reinterpret_cast<uint8_t*>(values_[static_cast<size_t>(id)].data()));
    program_->forward_[i]->eval({ins, outs, {scratch, program_->forward_[i]->scratch_bytes()}});
    if (fq_index_.empty()) continue;
    for (TensorId id : op.outputs) {
      const int k = fq_index_[static_cast<size_t>(id)];
      if (k < 0) continue;
      std::span<float> v(values_[static_cast<size_t>(id)].data(), static_cast<size_t>(g.tensor(id).num_elements()));
      const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      fq_observed_[static_cast<size_t>(k)] = {*lo, *hi};
      const auto [rmin, rmax] = fq_ranges_[static_cast<size_t>(k)];
      if (rmin < rmax) fake_quantize_activations(v, rmin, rmax);
    }
  }
}

void Tape::set_fake_quant(const std::vector<TensorId>& tensors) {
  fq_index_.assign(program_->graph().tensors.size(), -1);
  for (size_t k = 0; k < tensors.size(); ++k) fq_index_[static_cast<size_t>(tensors[k])] = static_cast<int>(k);
  fq_ranges_.assign(tensors.size(), {1.f, 0.f});
  fq_observed_.assign(tensors.size(), {0.f, 0.f});
}

void Tape::zero_grad() {
  for (auto& gr : grads_) std::fill(gr.begin(), gr.end(), 0.f);
}

void Tape::backward(int end_op) {
  const Graph& g = program_->graph();
  std::vector<const float*> ins, outs, out_grads;
  std::vector<float*> in_grads;
  for (int i = std::min(end_op, static_cast<int>(g.ops.size())) - 1; i >= 0; --i) {
    const BackwardKernel* k = program_->backward_[static_cast<size_t>(i)].get();
    if (!k) continue;
    const Op& op = g.ops[static_cast<size_t>(i)];
    ins.clear(), outs.clear(), out_grads.clear(), in_grads.clear();
    for (TensorId id : op.inputs) {
      ins.push_back(pointer(id));
      in_grads.push_back(program_->needs_grad(id) ? grads_[static_cast<size_t>(id)].data() : nullptr);
    }
    for (TensorId id : op.outputs) {
      outs.push_back(pointer(id));
      out_grads.push_back(grads_[static_cast<size_t>(id)].data());
    }
    k->eval({ins, outs, out_grads, in_grads, {scratch_.data(), k->scratch_floats()}});
  }
}

}  // namespace tinyopt
