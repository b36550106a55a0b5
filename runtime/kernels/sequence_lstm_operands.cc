// runtime/kernels/sequence_lstm_operands.cc: sequence_lstm_operands (see the header).
#include "runtime/kernels/sequence_lstm_operands.h"

#include <fmt/format.h>

#include "runtime/quantized_prepare.h"

namespace tinyopt {
namespace {

constexpr std::array<const char*, 24> kOperandNames = {
    "input", "input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights",
    "input_to_output_weights", "recurrent_to_input_weights", "recurrent_to_forget_weights",
    "recurrent_to_cell_weights", "recurrent_to_output_weights", "cell_to_input_weights",
    "cell_to_forget_weights", "cell_to_output_weights", "input_gate_bias", "forget_gate_bias", "cell_gate_bias",
    "output_gate_bias", "projection_weights", "projection_bias", "output_state", "cell_state",
    "input_layer_norm_coefficients", "forget_layer_norm_coefficients", "cell_layer_norm_coefficients",
    "output_layer_norm_coefficients"};

}  // namespace

Expected<LstmOperands> sequence_lstm_operands(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  if (op.inputs.size() != 24)
    return bad_op(g, op_index, nullptr,
                  fmt::format("UNIDIRECTIONAL_SEQUENCE_LSTM has {} inputs; TFLite Micro needs all 24 operands "
                              "(absent ones as -1)", op.inputs.size()));
  auto missing = [&](int i) {
    return bad_op(g, op_index, nullptr, fmt::format("UNIDIRECTIONAL_SEQUENCE_LSTM input #{} ({}) is missing", i,
                                                    kOperandNames[static_cast<size_t>(i)]));
  };
  auto variant = [&](int i, const char* what) {
    return fail(Errc::Unsupported, g.where(op_index),
                "input #{} ({}) is present: {} LSTMs are not supported (TFLite Micro runs the standard LSTM only)", i,
                kOperandNames[static_cast<size_t>(i)], what);
  };
  for (int i : {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19})
    if (!op_input(g, op_index, static_cast<size_t>(i))) return missing(i);
  for (int i : {9, 10, 11}) if (op_input(g, op_index, static_cast<size_t>(i))) return variant(i, "peephole");
  for (int i : {16, 17}) if (op_input(g, op_index, static_cast<size_t>(i))) return variant(i, "projection");
  for (int i : {20, 21, 22, 23}) if (op_input(g, op_index, static_cast<size_t>(i))) return variant(i, "layer-norm");
  LstmOperands t;
  t.options = std::holds_alternative<SequenceLstmOptions>(op.options) ? op.opts<SequenceLstmOptions>()
                                                                        : SequenceLstmOptions{};
  t.input = op_input(g, op_index, 0);
  t.output = op_output(g, op_index, 0);
  t.output_state = op_input(g, op_index, kLstmOutputState);
  t.cell_state = op_input(g, op_index, kLstmCellState);
  if (!t.output) return bad_op(g, op_index, nullptr, "UNIDIRECTIONAL_SEQUENCE_LSTM has no output");
  if (t.input->shape.size() != 3) return bad_op(g, op_index, t.input, "input must be 3-D [batch, time, features]");
  LstmSizes& s = t.sizes;
  s.time_major = t.options.time_major;
  s.batches = t.options.time_major ? t.input->shape[1] : t.input->shape[0];
  s.time_steps = t.options.time_major ? t.input->shape[0] : t.input->shape[1];
  s.input_size = t.input->shape[2];
  const Tensor* forget = op_input(g, op_index, 2);
  if (forget->shape.size() != 2) return bad_op(g, op_index, forget, "gate weights must be 2-D");
  s.cells = forget->shape[0];
  for (int i = 1; i <= 8; ++i) {
    const Tensor* w = op_input(g, op_index, static_cast<size_t>(i));
    const Shape want{s.cells, i <= 4 ? s.input_size : s.cells};
    if (w->shape != want)
      return bad_op(g, op_index, w, fmt::format("{} has shape {}, expected {} (gate weights of inconsistent shapes)",
                                                kOperandNames[static_cast<size_t>(i)], shape_to_string(w->shape),
                                                shape_to_string(want)));
    if (w->dtype != forget->dtype)
      return bad_op(g, op_index, w, "all gate weights must have one dtype");
  }
  for (int i = 12; i <= 15; ++i) {
    const Tensor* b = op_input(g, op_index, static_cast<size_t>(i));
    if (b->shape != Shape{s.cells})
      return bad_op(g, op_index, b, fmt::format("{} has shape {}, expected [{}]", kOperandNames[static_cast<size_t>(i)],
                                                shape_to_string(b->shape), s.cells));
  }
  for (const Tensor* state : {t.output_state, t.cell_state}) {
    if (!state->is_variable) return bad_op(g, op_index, state, "LSTM state must be a variable tensor");
    if (state->num_elements() != int64_t{s.batches} * s.cells)
      return bad_op(g, op_index, state, fmt::format("state has {} elements, expected batch x cells = {}",
                                                    state->num_elements(), int64_t{s.batches} * s.cells));
  }
  if (t.output_state->dtype != t.input->dtype || t.output->dtype != t.input->dtype)
    return bad_op(g, op_index, t.output_state, "output state and output must have the input's dtype");
  if (t.output->shape != Shape{t.input->shape[0], t.input->shape[1], s.cells})
    return bad_op(g, op_index, t.output, "output shape does not match input and cells");
  if (t.options.activation != Activation::Tanh)
    return fail(Errc::Unsupported, g.where(op_index), "cell gate activation {} is not supported (TANH only)",
                activation_name(t.options.activation));
  return t;
}

}  // namespace tinyopt
