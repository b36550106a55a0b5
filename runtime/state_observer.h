// runtime/state_observer.h: how calibration sees state tensors as float kernels update them inside one op: the
// LSTM's cell state after every time step, the SVDF's activation state. TFLite's quantizer calibrates those state
// tensors, and their value when the op returns would miss every earlier step.
//
// The observer belongs to the calling thread, not to a kernel or an interpreter: Kernel::eval is const and one
// prepared kernel serves every worker, each on its own thread (runtime/evaluate.h). Calibration sets it around each
// invoke of a worker and clears it after; kernels report only when one is set.
#pragma once

#include <functional>
#include <span>

#include "ir/graph.h"

namespace tinyopt {

using StateObserver = std::function<void(TensorId tensor, std::span<const float> values)>;

// The calling thread's observer (nullptr: none).
inline const StateObserver*& thread_state_observer() {
  thread_local const StateObserver* observer = nullptr;
  return observer;
}

}  // namespace tinyopt
