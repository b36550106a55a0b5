// passes/float_twin.h: the float model an integer model stands for, as closely as its file lets one recover it:
// every quantized constant dequantized (int8/int16 weights, int32/int64 biases: real = scale[c] x (q - zp[c])),
// activations and state tensors float32 without parameters, QUANTIZE / DEQUANTIZE ops gone (their input read in
// their place), operator intermediates dropped (the converter adds them when it quantizes). Tests and benchmarks use
// it to get float models with real trained weights from the int8 models of ../shared (the LSTM and SVDF examples
// TFLM ships have no float versions), then quantize them again and compare with the original.
#pragma once

#include "ir/graph.h"

namespace tinyopt {

// Errors: a quantized constant of a dtype without a float meaning (int32 data with no scale stays int32, as index
// data; anything else unexpected is Unsupported naming the tensor).
Expected<Graph> float_twin(const Graph& quantized);

}  // namespace tinyopt
