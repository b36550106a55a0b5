// runtime/kernels/sequence_lstm_operands.h: the operands of UNIDIRECTIONAL_SEQUENCE_LSTM as TFLM's kernel accepts
// them (kernels/lstm_eval.cc LstmTensors::ValidateTensorStatus, lstm_eval_common.cc ValidateTensorSize), checked
// once for the float and int8 kernels.
//
// Operand positions (TFLite's lstm_shared.h): 0 input; 1-4 input-to-{input, forget, cell, output} weights [cell,
// in]; 5-8 recurrent-to-{input, forget, cell, output} weights [cell, out]; 9-11 peephole; 12-15 gate biases
// [cell]; 16-17 projection; 18 output (hidden) state, 19 cell state (variable tensors); 20-23 layer-norm
// coefficients. TFLM runs the standard LSTM only: every gate's weights and bias present, no peephole, projection
// or layer norm (so out = cell).
#pragma once

#include <array>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

// Gates in TFLM's evaluation order, with their operand positions.
enum class LstmGate : int { Forget = 0, Input = 1, Cell = 2, Output = 3 };
struct LstmGateOperands {
  int input_weights, recurrent_weights, bias;
};
inline constexpr std::array<LstmGateOperands, 4> kLstmGates = {{{2, 6, 13}, {1, 5, 12}, {3, 7, 14}, {4, 8, 15}}};
inline constexpr int kLstmOutputState = 18, kLstmCellState = 19;

struct LstmSizes {
  bool time_major = false;
  int batches = 0, time_steps = 0, input_size = 0, cells = 0;
};

struct LstmOperands {
  LstmSizes sizes;
  const Tensor* input = nullptr;
  const Tensor* output = nullptr;
  const Tensor* output_state = nullptr;
  const Tensor* cell_state = nullptr;
  SequenceLstmOptions options;
};

// Errors (BadInput / Unsupported) name the op and the tensor: a wrong number of inputs, a missing weight, bias or
// state, a state that is not a variable tensor, weights of inconsistent shapes, unsupported LSTM variants.
Expected<LstmOperands> sequence_lstm_operands(const Graph& g, int op_index);

}  // namespace tinyopt
