// runtime/evaluate.h: the one evaluator: a model run over a dataset on N threads, outputs kept in sample order.
//
// Each sample's inputs come from Dataset::sample_for_tensor, the conversion `tinyopt run` uses: float data is
// quantized with an int8/int16 input's scale and zero point, data already in the input's dtype is copied. Samples
// are spread over threads by for_each_sample_index (worker w takes w, w + T, ...), each worker with its own
// Interpreter; outputs are stored per sample, so they do not depend on the thread count. Hooks let a caller
// observe each worker's interpreter (calibration attaches its observers this way). Metrics over the outputs are
// runtime/metrics.h's.
//
// Multi-sample execution (samples_per_invoke = B > 1): blocks of B consecutive samples run through one invoke of a
// copy of the graph re-batched to B (ir/batching.h), so CONV_2D's im2col/GEMM and FULLY_CONNECTED see B times the
// rows per weight pass. Blocks, not samples, are spread over the threads; the last block is padded with zero
// samples whose outputs are dropped. Outputs are identical to one sample per invoke: the int8 kernels' sums are
// exact, and the float GEMM sums each output in one fixed order (runtime/gemm_float.h) whatever the rows around it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "formats/dataset/dataset.h"
#include "runtime/interpreter.h"

namespace tinyopt {

struct EvaluateOptions {
  unsigned threads = 0;       // 0: every core
  bool keep_outputs = true;   // false: run for the hooks only
  // Stateful models (variable tensors: SVDF, LSTM). false: every sample starts from zero state, on any number of
  // threads. true: the samples run in order on one thread, each from the state the previous one left (as
  // consecutive TFLM Invoke() calls; the first from zero state). No effect on models without state.
  bool carry_state = false;
  // Samples per invoke (see above). Falls back to 1 when a hook is set, when an input or output has no leading
  // dimension of 1, or when the graph does not re-batch. The re-batched copy uses the builtin kernels.
  int samples_per_invoke = 1;
  // On each worker's thread before its first sample: e.g. set an observer on its interpreter.
  std::function<void(unsigned worker, Interpreter&)> on_worker_start{};
  // On the worker's thread, once a sample's inputs are set (before invoke), and after it ran. An error stops that
  // worker and is reported for the sample. (Inputs are read in before_invoke: the arena may reuse their slots.)
  std::function<Expected<void>(unsigned worker, size_t sample, Interpreter&)> before_invoke{};
  std::function<Expected<void>(unsigned worker, size_t sample, Interpreter&)> after_sample{};
};

// One model output over every sample.
struct OutputSamples {
  Tensor tensor;                               // the graph's output tensor (name, dtype, shape, quantization)
  std::vector<std::vector<uint8_t>> samples;   // per sample: tensor.byte_size() bytes of tensor.dtype

  // Sample s as floats: float outputs as they are, quantized ones dequantized (scale * (q - zero_point)).
  std::vector<float> values(size_t s) const;
};

struct Evaluation {
  size_t samples = 0;
  unsigned threads = 0;                 // how many ran
  int samples_per_invoke = 1;           // what ran (1 after a fallback)
  std::vector<OutputSamples> outputs;   // one per model output, in the model's order
};

// Runs every sample of `data` through interpreters cloned from `prototype`. The dataset must have one input per
// model input. Errors: the lowest failing sample's (conversion, runtime or hook error).
Expected<Evaluation> evaluate_model(const Interpreter& prototype, const Dataset& data, const EvaluateOptions& options = {});
Expected<Evaluation> evaluate_model(const Graph& g, const Dataset& data, const EvaluateOptions& options = {});

// Sets every input of `it` from sample `s` of `data` (Dataset::sample_for_tensor per model input).
Expected<void> set_inputs(Interpreter& it, const Dataset& data, size_t s);

// The real values of a tensor's bytes: float32 as is, int8/uint8/int16/int32 dequantized with `t`'s parameters
// (per channel along t.quant->axis when it has several), unquantized integers converted as they are.
std::vector<float> dequantize(const Tensor& t, std::span<const uint8_t> bytes);

}  // namespace tinyopt
