// runtime/kernels/sequence_lstm_float.cc: float UNIDIRECTIONAL_SEQUENCE_LSTM as TFLM's float path of LstmStep:
// per time step (and batch, unless time_major) each gate is act(W x + b + R h) (sigmoid; tanh for the cell gate),
// c = f * c + i * g (clipped to +-cell_clip when set), h = o * tanh(c), and the output row is h. The output and
// cell states are variable tensors updated in place, so a sequence continues across invocations.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/sequence_lstm_operands.h"
#include "runtime/quantized_prepare.h"
#include "runtime/state_observer.h"

namespace tinyopt {
namespace {

class SequenceLstmFloat final : public Kernel {
 public:
  LstmSizes s;
  float cell_clip = 0.0f;
  TensorId cell_state_id = kNoTensor;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* hidden = reinterpret_cast<float*>(const_cast<uint8_t*>(io.inputs[kLstmOutputState]));  // variables
    auto* cell = reinterpret_cast<float*>(const_cast<uint8_t*>(io.inputs[kLstmCellState]));
    auto* out = reinterpret_cast<float*>(io.outputs[0]);
    const int rows = s.time_major ? s.batches : 1;
    const int64_t n = int64_t{rows} * s.cells;
    auto* buf = reinterpret_cast<float*>(io.scratch.data());
    float* gates[4] = {buf, buf + n, buf + 2 * n, buf + 3 * n};  // by LstmGate
    const int outer = s.time_major ? 1 : s.batches;
    for (int b = 0; b < outer; ++b)
      for (int t = 0; t < s.time_steps; ++t) {
        const int64_t step = s.time_major ? t : int64_t{b} * s.time_steps + t;
        const float* xt = x + step * rows * s.input_size;
        float* h = hidden + (s.time_major ? 0 : int64_t{b} * s.cells);
        float* c = cell + (s.time_major ? 0 : int64_t{b} * s.cells);
        for (size_t k = 0; k < 4; ++k) {
          const auto* w = reinterpret_cast<const float*>(io.inputs[static_cast<size_t>(kLstmGates[k].input_weights)]);
          const auto* r = reinterpret_cast<const float*>(io.inputs[static_cast<size_t>(kLstmGates[k].recurrent_weights)]);
          const auto* bias = reinterpret_cast<const float*>(io.inputs[static_cast<size_t>(kLstmGates[k].bias)]);
          for (int row = 0; row < rows; ++row)
            for (int u = 0; u < s.cells; ++u) {
              float a = bias[u], rec = 0.0f;
              for (int d = 0; d < s.input_size; ++d) a += w[int64_t{u} * s.input_size + d] * xt[int64_t{row} * s.input_size + d];
              for (int d = 0; d < s.cells; ++d) rec += r[int64_t{u} * s.cells + d] * h[int64_t{row} * s.cells + d];
              const float v = a + rec;
              gates[k][int64_t{row} * s.cells + u] =
                  static_cast<LstmGate>(k) == LstmGate::Cell ? std::tanh(v) : 1.0f / (1.0f + std::exp(-v));
            }
        }
        const float* f = gates[static_cast<int>(LstmGate::Forget)];
        const float* i = gates[static_cast<int>(LstmGate::Input)];
        const float* gg = gates[static_cast<int>(LstmGate::Cell)];
        const float* o = gates[static_cast<int>(LstmGate::Output)];
        for (int64_t e = 0; e < n; ++e) {
          c[e] = f[e] * c[e] + i[e] * gg[e];
          if (cell_clip > 0.0f) c[e] = std::clamp(c[e], -cell_clip, cell_clip);
          h[e] = o[e] * std::tanh(c[e]);
        }
        std::memcpy(out + step * rows * s.cells, h, static_cast<size_t>(n) * sizeof(float));
        if (const StateObserver* o = thread_state_observer())
          (*o)(cell_state_id, std::span<const float>(c, static_cast<size_t>(n)));
      }
  }
  size_t scratch_bytes() const override {
    const int rows = s.time_major ? s.batches : 1;
    return 4 * static_cast<size_t>(rows) * static_cast<size_t>(s.cells) * sizeof(float);
  }
};

}  // namespace

KernelResult make_sequence_lstm_float(const Graph& g, int op_index) {
  auto t = sequence_lstm_operands(g, op_index);
  if (!t) return t.take_error();
  for (int i : {1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, kLstmOutputState, kLstmCellState})
    if (op_input(g, op_index, static_cast<size_t>(i))->dtype != DType::Float32)
      return unsupported_dtypes(g, op_index, "float UNIDIRECTIONAL_SEQUENCE_LSTM needs float32 weights, biases and "
                                             "states (hybrid LSTMs are not supported); got");
  auto k = std::make_unique<SequenceLstmFloat>();
  k->s = t->sizes;
  k->cell_clip = t->options.cell_clip;
  k->cell_state_id = g.ops[static_cast<size_t>(op_index)].inputs[kLstmCellState];
  return std::unique_ptr<Kernel>(std::make_unique<SequenceLstmFloat>(std::move(*k)));
}

}  // namespace tinyopt
