// passes/bias_correction.h: empirical bias correction for the quantize pass (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction", §4.2, with the input means measured on the
// calibration data rather than derived from batch-norm statistics).
#pragma once

#include <vector>

#include "calibration/stats.h"
#include "ir/graph.h"
#include "passes/quantize_math.h"

namespace tinyopt {

// Corrects `bias` (float, one per output channel) of op `i` (CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, weight
// channel axis `axis`) for the rounding error of its weights `w` quantized as `qw` (on axis `qaxis`, -1 per tensor).
// Returns false, leaving `bias` alone, when the statistics hold no per-channel means of the op's input or the
// means do not match its input channels (an FC over a flattened 4-D input).
bool correct_bias(const Graph& g, int i, int axis, const CalibrationStats& stats, const std::vector<float>& w,
                  const QuantizedWeights& qw, const Shape& wshape, int qaxis, std::vector<float>& bias);

}  // namespace tinyopt
