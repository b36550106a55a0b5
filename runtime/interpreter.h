// runtime/interpreter.h: runs a Graph with the kernels of a KernelRegistry, in one planned activation arena.
//
// Two stages, as in TFLite Micro (AllocateTensors, then Invoke):
//   PreparedModel  prepare: validates the graph, creates one kernel per op (all failures reported together),
//                  plans the arena (tensor lifetimes -> plan_arena). Immutable afterwards, so it is shared.
//   Interpreter    one arena + the per-op buffer pointers into it; set_input, invoke, outputs. Cheap to make
//                  from a PreparedModel: clone_for_thread() gives a second one for another core, sharing kernels.
// for_each_sample() runs N samples across threads, one Interpreter per thread.
//
// Variable tensors (the state of SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM) get arena space of their own that lives
// across invocations: the zero state when an Interpreter is made (TFLM's AllocateTensors ends with
// ResetVariableTensors: int8 variables hold their zero point, others zero bytes), then what the last invoke left,
// until reset_state() restores the zero state.
//
// Constant tensors are read in place from the Graph, which must outlive every PreparedModel made from it and
// keep its constants' storage (kernels may read float weights at eval, so updated weight *values* are seen).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"
#include "runtime/kernel.h"

namespace tinyopt {

// A view of one tensor's bytes during or after a run (arena memory, or a constant in the Graph).
struct TensorView {
  TensorId id = kNoTensor;
  DType dtype = DType::Float32;
  const Shape* shape = nullptr;  // the Graph's shape of the tensor
  std::span<uint8_t> bytes;      // byte_size() bytes

  template <class T> std::span<T> as() const {
    return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)};
  }
  int64_t num_elements() const { return static_cast<int64_t>(bytes.size() / dtype_size(dtype)); }
};

// Everything static about running a graph, shared by all interpreters of it.
class PreparedModel {
 public:
  // Validates `g`, prepares a kernel for every op and plans the arena. Ops without a kernel, or whose kernel
  // cannot be prepared, are all reported in one error (op index, op, dtypes).
  static Expected<std::shared_ptr<const PreparedModel>> create(const Graph& g,
                                                               const KernelRegistry& registry = KernelRegistry::builtin());

  const Graph& graph() const { return *graph_; }
  size_t arena_bytes() const { return arena_bytes_; }
  // True when the graph has variable (state) tensors: outputs then depend on earlier invocations.
  bool stateful() const { return !variables_.empty(); }
  // Arena offset of activation tensor `id`, or -1 for constants and unused tensors.
  int64_t offset_of(TensorId id) const { return offsets_[static_cast<size_t>(id)]; }

 private:
  friend class Interpreter;
  PreparedModel() = default;
  const Graph* graph_ = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels_;  // one per op
  std::vector<int64_t> offsets_;                  // per tensor: arena offset, -1 when not in the arena
  std::vector<int64_t> scratch_offsets_;          // per op: arena offset of its scratch, -1 when none
  std::vector<TensorId> variables_;               // variable tensors, each with its own arena slot
  size_t arena_bytes_ = 0;
};

class Interpreter {
 public:
  // Called after each op with the op's output views (calibration observes every activation this way).
  using Observer = std::function<void(int op_index, const Op& op, std::span<const TensorView> outputs)>;

  static Expected<Interpreter> create(const Graph& g, const KernelRegistry& registry = KernelRegistry::builtin());
  explicit Interpreter(std::shared_ptr<const PreparedModel> model);

  // A new interpreter with its own arena sharing this one's prepared kernels (for another thread). The observer
  // is not copied.
  Interpreter clone_for_thread() const { return Interpreter(model_); }
  const std::shared_ptr<const PreparedModel>& model() const { return model_; }
  const Graph& graph() const { return model_->graph(); }

  size_t arena_bytes() const { return model_->arena_bytes(); }
  size_t num_inputs() const { return graph().inputs.size(); }
  size_t num_outputs() const { return graph().outputs.size(); }
  TensorView input(size_t i) { return tensor(graph().inputs.at(i)); }
  TensorView output(size_t i) { return tensor(graph().outputs.at(i)); }
  // Any tensor: arena activations, or constants (viewed in the Graph; do not write those).
  TensorView tensor(TensorId id);

  // Copies `bytes` into input i; its size must equal the input's byte size (error names the input tensor).
  Expected<void> set_input(size_t i, std::span<const uint8_t> bytes);
  template <class T> Expected<void> set_input(size_t i, std::span<const T> values) {
    if (dtype_of<T>() != graph().tensor(graph().inputs.at(i)).dtype)
      return fail(Errc::BadInput, {.file = graph().source, .tensor = graph().tensor(graph().inputs.at(i)).name},
                  "input has dtype {}, got {} values", dtype_name(graph().tensor(graph().inputs.at(i)).dtype),
                  dtype_name(dtype_of<T>()));
    return set_input(i, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()));
  }

  // Runs every op in order.
  Expected<void> invoke();
  // Restores every variable (state) tensor to the zero state (int8: its zero point), as after creation.
  void reset_state();
  bool stateful() const { return model_->stateful(); }
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  struct AlignedFree { void operator()(uint8_t* p) const; };
  std::shared_ptr<const PreparedModel> model_;
  std::unique_ptr<uint8_t[], AlignedFree> arena_;
  // Per op: pointers to its inputs/outputs (constants point into the Graph), flattened; [begin, end) per op.
  std::vector<const uint8_t*> input_ptrs_;
  std::vector<uint8_t*> output_ptrs_;
  std::vector<size_t> input_begin_, output_begin_;
  Observer observer_;
};

// Runs `body(interpreter, sample)` for sample = 0..n-1 on up to `threads` threads (0: hardware concurrency), each
// thread with its own Interpreter cloned from `prototype` (whose observer is not used). `body` sets inputs, invokes
// and reads outputs; it must only write per-sample results. Returns the error of the lowest failing sample.
Expected<void> for_each_sample(const Interpreter& prototype, size_t n,
                               const std::function<Expected<void>(Interpreter&, size_t sample)>& body,
                               unsigned threads = 0);

// The thread count for_each_sample and for_each_sample_index use: `requested` (0: hardware concurrency), at most n.
unsigned sample_threads(unsigned requested, size_t n);
// The scheduling under for_each_sample: worker w of sample_threads(threads, n) runs samples w, w + T, w + 2T, ...
// in order and stops at its first error; returns the error of the lowest failing sample. A fixed assignment, so
// per-worker state (observers, statistics) sees the same samples on every run.
Expected<void> for_each_sample_index(size_t n, unsigned threads,
                                     const std::function<Expected<void>(unsigned worker, size_t sample)>& body);

}  // namespace tinyopt
