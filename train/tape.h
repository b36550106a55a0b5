// train/tape.h: forward and reverse-mode passes over a float graph, with every activation kept for the backward.
//
// Two layers, like PreparedModel / Interpreter in the runtime:
//   TapeProgram  built once from a (batched) graph: one forward kernel per op (the runtime's float kernels, read
//                through KernelRegistry), one backward kernel per op that needs it, which tensors are trainable
//                parameters and which need a gradient. Read-only afterwards; it owns the graph, whose constant
//                bytes ARE the parameters (the forward kernels read float weights in place, so an optimiser
//                updating them is seen by the next forward without re-preparing).
//   Tape         one worker's buffers: an activation per non-constant tensor (no arena reuse: the backward needs
//                them all), a gradient per tensor that needs one, and a scratch buffer. Several tapes over one
//                program run in parallel on different parts of a batch.
//
// Parameters: float32 constants read by CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (filter, bias) and by
// ADD / SUB / MUL (e.g. a folded batch-norm scale), minus the frozen ones. A tensor needs a gradient when it is a
// parameter or an op output that depends on one. Losses and the choice of where the backward starts (the fused
// softmax + cross-entropy skips the SOFTMAX op) belong to the trainer (train/trainer.h).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ir/graph.h"
#include "runtime/backward_kernel.h"
#include "runtime/kernel.h"

namespace tinyopt {

class TapeProgram {
 public:
  struct Options {
    bool backward = true;             // false: forward only (evaluation, a distillation teacher)
    std::vector<TensorId> frozen;     // constants that are not trained
    bool input_grads = false;         // also compute dL/d(graph inputs) (gradient checks, saliency)
  };
  // Prepares every op; ops without a float kernel or without a backward (when one is needed) are all listed in
  // one error.
  static Expected<std::unique_ptr<TapeProgram>> create(Graph g, const Options& options);
  static Expected<std::unique_ptr<TapeProgram>> create(Graph g) { return create(std::move(g), Options{}); }

  const Graph& graph() const { return graph_; }
  // Parameters in a fixed order (by tensor id); their values live in graph().tensor(id).data.
  const std::vector<TensorId>& parameters() const { return parameters_; }
  std::span<float> parameter_values(TensorId id) { return graph_.tensor(id).mutable_values<float>(); }
  bool needs_grad(TensorId id) const { return id >= 0 && needs_grad_[static_cast<size_t>(id)]; }
  bool has_backward() const { return has_backward_; }

 private:
  friend class Tape;
  TapeProgram() = default;
  Graph graph_;
  std::vector<std::unique_ptr<Kernel>> forward_;
  std::vector<std::unique_ptr<BackwardKernel>> backward_;  // null where the op's output needs no gradient
  std::vector<TensorId> parameters_;
  std::vector<bool> needs_grad_;
  size_t scratch_bytes_ = 0;
  bool has_backward_ = false;
};

class Tape {
 public:
  explicit Tape(const TapeProgram& program);

  const TapeProgram& program() const { return *program_; }
  // Graph input i's buffer, to be filled before forward().
  std::span<float> input(size_t i);
  // Any float tensor's values after forward() (constants view the program's graph).
  std::span<const float> values(TensorId id) const;
  // Gradient buffer of a tensor that needs one (empty span otherwise).
  std::span<float> grad(TensorId id);

  void forward();
  // Quantization-aware training: after the op producing each of `tensors` runs, its output's min / max are
  // recorded (observed()) and, when ranges()[k] is a range (min < max), the output is fake-quantized to it in place
  // (train/fake_quant.h; the backward passes gradients straight through).
  void set_fake_quant(const std::vector<TensorId>& tensors);
  std::vector<std::pair<float, float>>& ranges() { return fq_ranges_; }
  const std::vector<std::pair<float, float>>& observed() const { return fq_observed_; }
  // Zeroes every gradient buffer (activations and parameters).
  void zero_grad();
  // Runs the backward kernels of ops end_op-1 down to 0. The loss's gradient must have been written into grad()
  // of the tensor where the backward starts (the output of op end_op - 1, or the logits of a fused softmax).
  void backward(int end_op);

 private:
  const float* pointer(TensorId id) const;
  const TapeProgram* program_;
  std::vector<std::vector<float>> values_;  // per tensor; empty for constants
  std::vector<std::vector<float>> grads_;   // per tensor; empty when no gradient is needed
  std::vector<float> scratch_;              // float storage: aligned for the kernels' 16-byte requirement
  std::vector<int> fq_index_;               // per tensor: index into the fake-quant lists, -1 none
  std::vector<std::pair<float, float>> fq_ranges_, fq_observed_;
};

}  // namespace tinyopt
