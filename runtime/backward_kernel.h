// runtime/backward_kernel.h: the interface of float backward (gradient) kernels and their registry.
//
// A backward kernel is the reverse-mode derivative of one float op. Like a forward kernel it is prepared once from
// the Graph (shapes, geometry, constant axes/paddings) and its eval only reads that object, so one prepared kernel
// can serve several workers, each holding its own half of a batch. eval receives the op's forward inputs and
// outputs (as the forward pass left them) and dL/d(output), and ADDS dL/d(input) into the input gradient buffers:
// a tensor consumed by several ops sums the contributions of each. A null input-gradient pointer means "not
// needed" (graph inputs, frozen constants) and the kernel skips that work. Non-float inputs (RESHAPE shapes, PAD
// paddings, MEAN axes) are read from the Graph at prepare time and arrive as null pointers.
//
// Fused activations (op options) are handled inside each kernel through fused_activation_grad: every fused
// activation TFLite has except SIGN_BIT can be differentiated from its output alone.
//
// Which tensors need gradients, buffer ownership and the order of ops are the tape's business (train/tape.h).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct BackwardBuffers {
  std::span<const float* const> inputs;        // forward inputs (null when absent or not float)
  std::span<const float* const> outputs;       // forward outputs
  std::span<const float* const> output_grads;  // dL/d outputs[i]
  std::span<float* const> input_grads;         // dL/d inputs[i], accumulated (+=); null when not needed
  std::span<float> scratch;                    // scratch_floats() floats, contents undefined on entry
};

class BackwardKernel {
 public:
  virtual ~BackwardKernel() = default;
  virtual void eval(const BackwardBuffers& io) const = 0;
  virtual size_t scratch_floats() const { return 0; }
};

using BackwardFactory = Expected<std::unique_ptr<BackwardKernel>> (*)(const Graph& g, int op_index);

// Backward kernels keyed by op kind (float32 only).
class BackwardRegistry {
 public:
  // Registers a factory; a kind registered twice is an internal error found at startup (asserts).
  void add(OpKind kind, BackwardFactory factory);
  BackwardFactory find(OpKind kind) const;  // nullptr when the op has no backward
  static const BackwardRegistry& builtin();

 private:
  struct Entry { OpKind kind; BackwardFactory factory; };
  std::vector<Entry> entries_;
};

// The explicit registration list (runtime/kernels/backward_kernels.cc).
void register_backward_kernels(BackwardRegistry& r);

// Checks that a fused activation can be differentiated (everything but SIGN_BIT); errors name the op.
Expected<void> check_fused_activation_grad(const Graph& g, int op_index, Activation a);

// out[i] = dy[i] * act'(pre-activation) where act' is recovered from the activation's output y:
// NONE 1; RELU y > 0; RELU6 0 < y < 6; RELU_N1_TO_1 -1 < y < 1; TANH 1 - y^2.
void fused_activation_grad(Activation a, std::span<const float> y, std::span<const float> dy, std::span<float> out);

// Convenience for factories: the float pointer of one op's tensor in `io`, or null.
inline const float* in_or_null(const BackwardBuffers& io, size_t i) { return i < io.inputs.size() ? io.inputs[i] : nullptr; }
inline float* grad_or_null(const BackwardBuffers& io, size_t i) {
  return i < io.input_grads.size() ? io.input_grads[i] : nullptr;
}

}  // namespace tinyopt
