// passes/quantize_sequence_lstm.cc: post-training quantization of a float UNIDIRECTIONAL_SEQUENCE_LSTM into the
// integer LSTM TFLite Micro runs (int8 activations, int16 cell state), with the parameters TFLite's quantizer gives
// the standard LSTM (no layer norm, projection or peephole; tools/optimize/operator_property.cc, the LSTM case):
//   input #0, output            int8 asymmetric from their calibrated ranges (stage 4);
//   output state #18            the output's scale and zero point (`restrict_scale = {{18, 0}}`: without projection
//                               the hidden state is the output);
//   gate weights #1-#8          int8 symmetric per tensor;
//   gate biases #12-#15         int32, scale = input scale x that gate's input-weight scale (`derived_scale
//                               {{0, k}}`: "the smaller scale, which means higher resolution");
//   cell state #19              int16 symmetric with a power-of-two scale 2^(p-15), p the smallest power of two
//                               >= the calibrated max |c| (quantization_utils.cc GetPowerOfTwoScale, p <= 10); the
//                               calibration observes the cell state after every time step (the float kernel reports
//                               it), not only its value at the end of an invocation;
//   intermediates               five, as the converter writes them for this variant: four gate intermediates without
//                               type or parameters ("not used and their quantization parameters are ignored") and
//                               effective_hidden_scale_intermediate, int8 with the output's parameters.
// TFLM's integer kernel then derives every gate rescale from these (gate FCs into Q3.12, sigmoid/tanh to Q0.15).
#include <cmath>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/quantize_math.h"
#include "passes/quantize_op_rules.h"
#include "runtime/kernels/sequence_lstm_operands.h"

namespace tinyopt {
namespace {

constexpr std::array<const char*, 5> kIntermediateNames = {
    "input_to_input_intermediate", "input_to_forget_intermediate", "input_to_cell_intermediate",
    "input_to_output_intermediate", "effective_hidden_scale_intermediate"};

// The power p with 2^(p-1) < range <= 2^p, at most 10, as GetPowerOfTwoScale counts it.
int power_of_two_at_least(double range) {
  int p = 0;
  for (int i = 0; i < 10; ++i)
    if (std::pow(2.0, p) < range) ++p;
  return p;
}

std::string unique_name(const Graph& g, const std::string& base, int op_index) {
  for (const Tensor& t : g.tensors)
    if (t.name == base) return fmt::format("{}_{}", base, op_index);
  return base;
}

}  // namespace

Expected<void> quantize_sequence_lstm(OpRuleContext& c, int op_index) {
  Graph& g = c.g;
  auto operands = sequence_lstm_operands(g, op_index);  // errors name the op and the tensor
  if (!operands) return operands.take_error();
  const Op& op0 = g.ops[static_cast<size_t>(op_index)];
  const TensorId input = op0.inputs[0], output = op0.outputs[0];
  const TensorId hidden = op0.inputs[kLstmOutputState], cell = op0.inputs[kLstmCellState];
  const std::optional<QuantParams>& in_p = c.params[static_cast<size_t>(input)];
  const std::optional<QuantParams>& out_p = c.params[static_cast<size_t>(output)];
  if (!in_p || !out_p) return fail(Errc::Internal, g.where(op_index), "input or output has no quantization parameters");
  for (int slot = 1; slot <= 8; ++slot) {
    if (g.tensor(op0.inputs[static_cast<size_t>(slot)]).dtype != DType::Float32)
      return fail(Errc::Unsupported, g.where(op_index), "gate weights '{}' are not float32 (hybrid LSTMs are not supported)",
                  g.tensor(op0.inputs[static_cast<size_t>(slot)]).name);
  }
  // Cell state range: observed at every time step during calibration.
  const std::string& cell_name = g.tensor(cell).name;
  std::optional<Range> cr = c.stats.range(cell_name, RangeRequest{.levels = 65536, .symmetric = true, .clip = false});
  if (!cr)
    return fail(Errc::BadInput, {.file = g.source, .op = op_index, .op_kind = "UNIDIRECTIONAL_SEQUENCE_LSTM", .tensor = cell_name},
                "no calibration statistics for the cell state (statistics computed before tinyopt observed LSTM "
                "cell states? recompute them)");

  std::array<float, 4> input_weight_scale{};  // by operand 1..4
  for (int slot = 1; slot <= 8; ++slot) {
    const TensorId wid = own_constant_input(g, op_index, static_cast<size_t>(slot));
    Tensor& w = g.tensor(wid);
    QuantizedWeights qw = quantize_weights(w.values<float>(), w.shape, -1);
    if (slot <= 4) input_weight_scale[static_cast<size_t>(slot - 1)] = qw.params.scale[0];
    w.set_values<int8_t>(qw.values);
    w.quant = qw.params;
  }
  for (int slot = 12; slot <= 15; ++slot)
    quantize_bias_input(c, op_index, static_cast<size_t>(slot),
                        {static_cast<double>(in_p->scale[0]) * input_weight_scale[static_cast<size_t>(slot - 12)]},
                        DType::Int32);

  Tensor& h = g.tensor(hidden);
  h.dtype = DType::Int8;
  h.quant = *out_p;
  const double max_abs = std::max(std::fabs(static_cast<double>(cr->min)), std::fabs(static_cast<double>(cr->max)));
  const int power = power_of_two_at_least(max_abs);
  if (std::pow(2.0, power) < max_abs)
    c.notes.push_back(fmt::format("op #{} UNIDIRECTIONAL_SEQUENCE_LSTM: cell state range {} exceeds 2^10; its scale is "
                                  "2^-5 (the converter's limit) and larger values saturate", op_index, max_abs));
  Tensor& cs = g.tensor(cell);
  cs.dtype = DType::Int16;
  cs.quant = QuantParams{{static_cast<float>(std::ldexp(1.0, power - 15))}, {0}, 0};

  // Intermediates as the converter writes them (any the float model had are replaced).
  std::vector<TensorId> inter;
  for (size_t k = 0; k < kIntermediateNames.size(); ++k) {
    Tensor t;
    t.name = unique_name(g, kIntermediateNames[k], op_index);
    t.shape = {0};
    if (k == 4) {
      t.dtype = DType::Int8;
      t.quant = *out_p;
    }
    inter.push_back(g.add_tensor(std::move(t)));
  }
  g.ops[static_cast<size_t>(op_index)].intermediates = std::move(inter);
  return {};
}

}  // namespace tinyopt
