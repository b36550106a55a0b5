// runtime/kernels/sequence_lstm_backward.cc: gradients of float UNIDIRECTIONAL_SEQUENCE_LSTM by backpropagation
// through time over the invocation's sequence, with respect to the input (#0), the gate weights (#1-#8) and the gate
// biases (#12-#15).
//
// The forward (runtime/kernels/sequence_lstm_float.cc) overwrites its state tensors, so the backward recomputes the
// sequence into its scratch: per time step the four gate activations and the cell state. It starts from zero state,
// which is what the tape runs (train/tape.h: every forward starts from zero state, as each evaluated sample does).
// Per lane (batch row) and step t, with a_k = W_k x_t + R_k h_{t-1} + b_k:
//   i, f, o = sigmoid(a_i, a_f, a_o), g = tanh(a_g), c_t = clip(f c_{t-1} + i g), h_t = o tanh(c_t);
// backward from the last step: dh = dY_t + (R^T da)_{t+1}, do = dh tanh(c_t),
//   dc = dc_{t+1} + dh o (1 - tanh^2 c_t), zeroed where the cell clip was active (the clamp's derivative),
//   di = dc g, df = dc c_{t-1}, dg = dc i, dc_t-1 = dc f; da = di i(1-i), df f(1-f), dg (1-g^2), do o(1-o);
//   dW_k += da_k x_t^T, dR_k += da_k h_{t-1}^T, db_k += da_k, dx_t += W_k^T da_k.
// The state tensors get no gradient (they are not parameters). Fixed loop order: equal inputs, identical gradients.
#include <algorithm>
#include <cmath>
#include <array>

#include "runtime/backward_kernel.h"
#include "runtime/kernels/sequence_lstm_operands.h"

namespace tinyopt {
namespace {

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

class SequenceLstmBackward final : public BackwardKernel {
 public:
  LstmSizes s;
  float cell_clip = 0.0f;

  // Per lane: gates [T][4][cells], cell states, clip flags (as floats) and hidden states [T][cells]; then one
  // step's dh, dc, dh_prev, gate gradients [4][cells] and a zero row (the initial state).
  size_t per_lane() const { return static_cast<size_t>(s.time_steps) * static_cast<size_t>(s.cells) * 7; }
  size_t scratch_floats() const override { return per_lane() + static_cast<size_t>(s.cells) * 8; }

  void eval(const BackwardBuffers& io) const override {
    const int T = s.time_steps, B = s.batches, I = s.input_size, C = s.cells;
    const float* x = io.inputs[0];
    const float* dy = io.output_grads[0];
    float* dx = grad_or_null(io, 0);
    std::array<const float*, 4> w{}, r{}, b{};
    std::array<float*, 4> dw{}, dr{}, db{};
    for (size_t k = 0; k < 4; ++k) {
      w[k] = io.inputs[static_cast<size_t>(kLstmGates[k].input_weights)];
      r[k] = io.inputs[static_cast<size_t>(kLstmGates[k].recurrent_weights)];
      b[k] = io.inputs[static_cast<size_t>(kLstmGates[k].bias)];
      dw[k] = grad_or_null(io, static_cast<size_t>(kLstmGates[k].input_weights));
      dr[k] = grad_or_null(io, static_cast<size_t>(kLstmGates[k].recurrent_weights));
      db[k] = grad_or_null(io, static_cast<size_t>(kLstmGates[k].bias));
    }
    float* gates = io.scratch.data();                          // [T][4][C]
    float* cells = gates + int64_t{T} * 4 * C;                 // [T][C]
    float* clipped = cells + int64_t{T} * C;                   // [T][C]: 1 where the clip was active
    float* hidden = clipped + int64_t{T} * C;                  // [T][C]
    float* dh = io.scratch.data() + per_lane();
    float* dc = dh + C;
    float* dh_prev = dc + C;
    float* da = dh_prev + C;                                   // [4][C]
    float* zero_h = da + 4 * C;
    std::fill(zero_h, zero_h + C, 0.0f);
    // Row offsets of lane l at step t, in elements of one row.
    auto row = [&](int l, int t) { return s.time_major ? int64_t{t} * B + l : int64_t{l} * T + t; };
    for (int l = 0; l < B; ++l) {
      // Forward recomputation.
      for (int t = 0; t < T; ++t) {
        const float* xt = x + row(l, t) * I;
        const float* hp = t == 0 ? zero_h : hidden + int64_t{t - 1} * C;
        const float* cp = t == 0 ? zero_h : cells + int64_t{t - 1} * C;
        float* gt = gates + int64_t{t} * 4 * C;
        for (size_t k = 0; k < 4; ++k)
          for (int u = 0; u < C; ++u) {
            float a = b[k][u], rec = 0.0f;
            for (int d = 0; d < I; ++d) a += w[k][int64_t{u} * I + d] * xt[d];
            for (int d = 0; d < C; ++d) rec += r[k][int64_t{u} * C + d] * hp[d];
            const float v = a + rec;
            gt[int64_t(k) * C + u] = static_cast<LstmGate>(k) == LstmGate::Cell ? std::tanh(v) : sigmoid(v);
          }
        for (int u = 0; u < C; ++u) {
          const float f = gt[0 * C + u], i = gt[1 * C + u], g = gt[2 * C + u];
          float c = f * cp[u] + i * g;
          float flag = 0.0f;
          if (cell_clip > 0.0f && (c > cell_clip || c < -cell_clip)) {
            c = std::clamp(c, -cell_clip, cell_clip);
            flag = 1.0f;
          }
          cells[int64_t{t} * C + u] = c;
          clipped[int64_t{t} * C + u] = flag;
          hidden[int64_t{t} * C + u] = gt[3 * C + u] * std::tanh(c);
        }
      }
      // Backward through time.
      std::fill(dh, dh + C, 0.0f);
      std::fill(dc, dc + C, 0.0f);
      for (int t = T - 1; t >= 0; --t) {
        const float* xt = x + row(l, t) * I;
        const float* hp = t == 0 ? zero_h : hidden + int64_t{t - 1} * C;
        const float* cp = t == 0 ? zero_h : cells + int64_t{t - 1} * C;
        const float* gt = gates + int64_t{t} * 4 * C;
        const float* dyt = dy + row(l, t) * C;
        for (int u = 0; u < C; ++u) {
          const float f = gt[0 * C + u], i = gt[1 * C + u], g = gt[2 * C + u], o = gt[3 * C + u];
          const float tc = std::tanh(cells[int64_t{t} * C + u]);
          const float h_grad = dyt[u] + dh[u];
          float c_grad = dc[u] + h_grad * o * (1.0f - tc * tc);
          if (clipped[int64_t{t} * C + u] != 0.0f) c_grad = 0.0f;
          da[0 * C + u] = c_grad * cp[u] * f * (1.0f - f);
          da[1 * C + u] = c_grad * g * i * (1.0f - i);
          da[2 * C + u] = c_grad * i * (1.0f - g * g);
          da[3 * C + u] = h_grad * tc * o * (1.0f - o);
          dc[u] = c_grad * f;  // becomes dc of step t-1
        }
        std::fill(dh_prev, dh_prev + C, 0.0f);
        for (size_t k = 0; k < 4; ++k) {
          const float* dak = da + int64_t(k) * C;
          for (int u = 0; u < C; ++u) {
            const float g = dak[u];
            if (db[k]) db[k][u] += g;
            if (dw[k]) for (int d = 0; d < I; ++d) dw[k][int64_t{u} * I + d] += g * xt[d];
            if (dr[k]) for (int d = 0; d < C; ++d) dr[k][int64_t{u} * C + d] += g * hp[d];
            if (dx) {
              float* dxt = dx + row(l, t) * I;
              for (int d = 0; d < I; ++d) dxt[d] += w[k][int64_t{u} * I + d] * g;
            }
            for (int d = 0; d < C; ++d) dh_prev[d] += r[k][int64_t{u} * C + d] * g;
          }
        }
        std::copy(dh_prev, dh_prev + C, dh);
      }
    }
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_sequence_lstm_backward(const Graph& g, int op_index) {
  auto t = sequence_lstm_operands(g, op_index);
  if (!t) return t.take_error();
  auto k = std::make_unique<SequenceLstmBackward>();
  k->s = t->sizes;
  k->cell_clip = t->options.cell_clip;
  return std::unique_ptr<BackwardKernel>(std::move(k));
}

}  // namespace tinyopt
