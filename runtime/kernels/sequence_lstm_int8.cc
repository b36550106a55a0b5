// runtime/kernels/sequence_lstm_int8.cc: UNIDIRECTIONAL_SEQUENCE_LSTM with int8 activations, int8 weights, int32
// biases and an int16 cell state ("8x8->16"), bit-exact with TFLM's integer LSTM (kernels/lstm_eval.h LstmStep,
// lstm_eval_common.cc PrepareGateParametersInteger). Per time step (and per batch, unless time_major):
//   gate = act(sat16(FC(x) + FC(h)))  for forget, input, cell (TANH) and output gates, where each FC is TFLM's
//          int8 x int8 -> int16 FULLY_CONNECTED into Q3.12 (scale 2^-12, zero point 0): the input FC with the
//          gate bias and the input's zero point, the recurrent FC with no bias and the hidden state's zero point;
//          sigmoid and tanh are TFLM's int16 LUT functions (Q3.12 in, Q0.15 out);
//   c = sat16(mul(f, c) + mul(i, g)), clipped to +-cell_clip / s_cell when cell_clip > 0;
//   h = mul(tanh(c), o) into the hidden state's int8 domain; the output row at this step is h.
// mul is TFLM's MulElementwise: int16 x int16 product rescaled by s1 * s2 / s_out (double, quantize_multiplier),
// + the output zero point, clamped. tanh(c) reads the cell state with its power-of-two scale 2^p: input shift
// 15 + p - 3 (multiplier 3 when negative). The two state tensors are variables, updated in place.
#include <algorithm>
#include <cstring>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/sequence_lstm_operands.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {
namespace {

// One int8 x int8 -> int16 FULLY_CONNECTED of a gate.
struct GateFc {
  int32_t input_offset = 0;     // -zero point of x (or h)
  fxp::QuantizedMultiplier m;
  std::vector<int32_t> bias;    // [cells], empty for the recurrent FC
};

// MulElementwise parameters.
struct GateMul {
  fxp::QuantizedMultiplier m;
  int32_t output_offset = 0, lo = -32768, hi = 32767;
};

struct LstmInt8Params {
  LstmSizes s;
  std::array<GateFc, 4> input_fc, recurrent_fc;  // by LstmGate
  GateMul forget_cell, input_cell, hidden;
  int16_t cell_clip = 0;                          // quantized; 0: none
  fxp::Int16ActivationScaling cell_tanh;          // tanh of the cell state
};

void fc(const GateFc& p, const int8_t* x, const int8_t* w, int rows, int depth, int cells, int16_t* out) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cells; ++c) {
      const int8_t* wc = w + int64_t{c} * depth;
      const int8_t* xr = x + int64_t{r} * depth;
      int32_t acc = 0;
      for (int d = 0; d < depth; ++d) acc += int32_t{wc[d]} * (int32_t{xr[d]} + p.input_offset);
      if (!p.bias.empty()) acc += p.bias[static_cast<size_t>(c)];
      const int32_t v = fxp::multiply_by_quantized_multiplier(acc, p.m.multiplier, p.m.shift);
      out[int64_t{r} * cells + c] = static_cast<int16_t>(fxp::clamp(v, -32768, 32767));
    }
}

template <class Out>
void mul(const GateMul& p, const int16_t* a, const int16_t* b, int64_t n, Out* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t v = p.output_offset +
                      fxp::multiply_by_quantized_multiplier(int32_t{a[i]} * int32_t{b[i]}, p.m.multiplier, p.m.shift);
    out[i] = static_cast<Out>(fxp::clamp(v, p.lo, p.hi));
  }
}

void add_saturating(const int16_t* a, const int16_t* b, int64_t n, int16_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(fxp::clamp(int32_t{a[i]} + int32_t{b[i]}, -32768, 32767));
}

class SequenceLstmInt8 final : public Kernel {
 public:
  explicit SequenceLstmInt8(LstmInt8Params p) : p_(std::move(p)) {}

  void eval(const OpBuffers& io) const override {
    const LstmSizes& s = p_.s;
    const auto* x = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* hidden = reinterpret_cast<int8_t*>(const_cast<uint8_t*>(io.inputs[kLstmOutputState]));  // variables
    auto* cell = reinterpret_cast<int16_t*>(const_cast<uint8_t*>(io.inputs[kLstmCellState]));
    auto* out = reinterpret_cast<int8_t*>(io.outputs[0]);
    // Four buffers of one step's [rows, cells], as TFLM's: gate outputs and the recurrent FC / products.
    const int rows = s.time_major ? s.batches : 1;
    const int64_t n = int64_t{rows} * s.cells;
    auto* buf = reinterpret_cast<int16_t*>(io.scratch.data());
    int16_t* b0 = buf;
    int16_t* b1 = buf + n;
    int16_t* b2 = buf + 2 * n;
    int16_t* b3 = buf + 3 * n;
    const int outer = s.time_major ? 1 : s.batches;
    for (int b = 0; b < outer; ++b)
      for (int t = 0; t < s.time_steps; ++t) {
        const int64_t step = s.time_major ? t : int64_t{b} * s.time_steps + t;
        const int8_t* xt = x + step * rows * s.input_size;
        int8_t* h = hidden + (s.time_major ? 0 : int64_t{b} * s.cells);
        int16_t* c = cell + (s.time_major ? 0 : int64_t{b} * s.cells);
        auto gate = [&](LstmGate which, int16_t* dst) {
          const auto k = static_cast<size_t>(which);
          fc(p_.input_fc[k], xt, weights(io, kLstmGates[k].input_weights), rows, s.input_size, s.cells, dst);
          fc(p_.recurrent_fc[k], h, weights(io, kLstmGates[k].recurrent_weights), rows, s.cells, s.cells, b3);
          add_saturating(dst, b3, n, dst);
          // Sigmoid: Q3.12 in (power-of-two scale, no rescale); the cell gate's tanh likewise (power -12).
          for (int64_t i = 0; i < n; ++i)
            dst[i] = which == LstmGate::Cell ? fxp::tanh_int16(dst[i], {0, 0}) : fxp::logistic_int16(dst[i], {0, 0});
        };
        gate(LstmGate::Forget, b0);
        gate(LstmGate::Input, b1);
        gate(LstmGate::Cell, b2);
        mul(p_.forget_cell, b0, c, n, c);
        mul(p_.input_cell, b1, b2, n, b1);
        add_saturating(c, b1, n, c);
        if (p_.cell_clip > 0)
          for (int64_t i = 0; i < n; ++i) c[i] = std::clamp<int16_t>(c[i], static_cast<int16_t>(-p_.cell_clip), p_.cell_clip);
        gate(LstmGate::Output, b1);
        for (int64_t i = 0; i < n; ++i) b0[i] = fxp::tanh_int16(c[i], p_.cell_tanh);
        mul(p_.hidden, b0, b1, n, h);
        std::memcpy(out + step * rows * s.cells, h, static_cast<size_t>(n));
      }
  }
  size_t scratch_bytes() const override {
    const int rows = p_.s.time_major ? p_.s.batches : 1;
    return 4 * static_cast<size_t>(rows) * static_cast<size_t>(p_.s.cells) * sizeof(int16_t);
  }

 private:
  static const int8_t* weights(const OpBuffers& io, int input) {
    return reinterpret_cast<const int8_t*>(io.inputs[static_cast<size_t>(input)]);
  }
  LstmInt8Params p_;
};

// TFLM's CreateInterGateMulParams: s1 * s2 / s_out in double.
GateMul gate_mul(float s1, float s2, float s_out, DType out, int32_t zero_point) {
  GateMul m;
  m.m = fxp::quantize_multiplier(static_cast<double>(s1) * static_cast<double>(s2) / static_cast<double>(s_out));
  m.output_offset = zero_point;
  std::tie(m.lo, m.hi) = dtype_range(out);
  return m;
}

}  // namespace

KernelResult make_sequence_lstm_int8(const Graph& g, int op_index) {
  auto t = sequence_lstm_operands(g, op_index);
  if (!t) return t.take_error();
  if (t->input->dtype != DType::Int8 || t->cell_state->dtype != DType::Int16 ||
      op_input(g, op_index, 2)->dtype != DType::Int8 || op_input(g, op_index, 13)->dtype != DType::Int32)
    return unsupported_dtypes(g, op_index, "integer UNIDIRECTIONAL_SEQUENCE_LSTM needs int8 input, output, weights and "
                                           "output state, int32 biases and an int16 cell state; got");
  LstmInt8Params p;
  p.s = t->sizes;
  auto qx = per_tensor_quant(g, op_index, t->input);
  if (!qx) return qx.take_error();
  auto qh = per_tensor_quant(g, op_index, t->output_state);
  if (!qh) return qh.take_error();
  auto qc = per_tensor_quant(g, op_index, t->cell_state);
  if (!qc) return qc.take_error();
  // Gate FC outputs are Q3.12: scale 2^-12, zero point 0 (TFLM's nonlinear_input_scale).
  constexpr float kGateInputScale = 1.0f / 4096.0f;
  for (size_t k = 0; k < 4; ++k) {
    for (int which : {0, 1}) {
      const int wi = which == 0 ? kLstmGates[k].input_weights : kLstmGates[k].recurrent_weights;
      const Tensor* w = op_input(g, op_index, static_cast<size_t>(wi));
      auto qw = per_tensor_quant(g, op_index, w);
      if (!qw) return qw.take_error();
      if (qw->zero_point != 0) return bad_op(g, op_index, w, "LSTM weights must be symmetric (zero point 0)");
      const TensorQuant& qa = which == 0 ? *qx : *qh;
      GateFc& f = which == 0 ? p.input_fc[k] : p.recurrent_fc[k];
      f.input_offset = -qa.zero_point;
      // GetQuantizedConvolutionMultipler: the scale product in float, then / output scale in double.
      f.m = fxp::quantize_multiplier(static_cast<double>(qa.scale * qw->scale) / static_cast<double>(kGateInputScale));
      if (f.m.shift > 30) return bad_op(g, op_index, w, "rescale factor is too large");
      if (which == 0) {
        auto bytes = known_input(g, op_index, static_cast<size_t>(kLstmGates[k].bias), "gate bias");
        if (!bytes) return bytes.take_error();
        f.bias.resize(static_cast<size_t>(p.s.cells));
        std::memcpy(f.bias.data(), bytes->data(), std::min(bytes->size(), f.bias.size() * sizeof(int32_t)));
      }
    }
  }
  int cell_power = 0;
  if (!fxp::checked_log2(qc->scale, &cell_power))
    return bad_op(g, op_index, t->cell_state, "cell state scale must be a power of two (TFLite int8 LSTM spec)");
  constexpr float kGateOutputScale = 1.0f / 32768.0f;  // Q0.15
  p.forget_cell = gate_mul(kGateOutputScale, qc->scale, qc->scale, DType::Int16, 0);
  p.input_cell = gate_mul(kGateOutputScale, kGateOutputScale, qc->scale, DType::Int16, 0);
  p.hidden = gate_mul(kGateOutputScale, kGateOutputScale, qh->scale, DType::Int8, qh->zero_point);
  const double clip = static_cast<double>(t->options.cell_clip) / static_cast<double>(qc->scale);
  p.cell_clip = t->options.cell_clip > 0.0f ? static_cast<int16_t>(std::min(std::max(clip, -32768.0), 32767.0)) : 0;
  // TFLM's Tanh(cell_state_scale_power, ...): left shift 15 + p - 3; a negative shift becomes a right shift of the
  // input times 3.
  int shift = 15 + cell_power - 3;
  p.cell_tanh = shift < 0 ? fxp::Int16ActivationScaling{3, -shift} : fxp::Int16ActivationScaling{0, shift};
  return std::unique_ptr<Kernel>(std::make_unique<SequenceLstmInt8>(std::move(p)));
}

}  // namespace tinyopt
