// passes/quantize_params.h: stage 4 of the quantize pass: the quantization parameters of every activation.
//
// Tensors that must share parameters (the input and output of RESHAPE, pools, PAD, SQUEEZE, TRANSPOSE,
// STRIDED_SLICE; every input and the output of a CONCATENATION: op_traits' shares_input_quant) form groups that
// get one set from the union of their observed ranges. SOFTMAX/LOGISTIC/TANH outputs get the spec's fixed
// parameters; every other group its own nudged range. Groups whose extremes decide the answer (a SOFTMAX input,
// a model output) keep their observed range under clipping observers.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "calibration/stats.h"
#include "ir/graph.h"

namespace tinyopt {

// The activations a float graph quantizes: its inputs and every float op output.
std::set<TensorId> float_activation_tensors(const Graph& g);

struct ActivationParams {
  std::vector<std::optional<QuantParams>> params;  // per tensor id; set for every activation
  int observed_range_tensors = 0;                  // activations that keep their observed range (no clipping)
  std::vector<std::string> notes;                  // fallbacks: zero-width ranges
};

// `tensor_type[id]` is the activation type each tensor gets (int8, or int16 in 16x8). `learned` ranges (by tensor
// name: quantization-aware training's, passes/distill.cc) replace the statistics' for the tensors they name.
Expected<ActivationParams> choose_activation_params(const Graph& g, const CalibrationStats& stats,
                                                    const std::set<TensorId>& activations,
                                                    const std::vector<DType>& tensor_type,
                                                    const std::map<std::string, Range>& learned = {});

}  // namespace tinyopt
