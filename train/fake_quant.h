// train/fake_quant.h: int8 fake quantization for quantization-aware training (QAT): values are rounded to what the
// int8 model will hold and turned back into floats, so training sees the quantization error. Gradients pass
// straight through (the straight-through estimator of Bengio et al. 2013 / Jacob et al. 2018): the backward of
// the tape is not changed.
//
// The parameters are the TFLite int8 spec's, computed as passes/quantize_math.cc computes them:
//   activations  per tensor, asymmetric: the range is widened to include 0, scale = (max - min) / 255, the zero
//                point the integer nearest to -128 - min / scale (clamped to [-128, 127]); q in [-128, 127];
//   weights      symmetric, zero point 0, scale = max|w| / 127 per output channel (axis), or per tensor (axis -1:
//                FULLY_CONNECTED, which quantize keeps per tensor); q in [-127, 127].
#pragma once

#include <span>

#include "ir/shape.h"

namespace tinyopt {

// x <- dequantize(quantize(x)) for the range [min, max]. A range of zero width leaves x as it is.
void fake_quantize_activations(std::span<float> x, float min, float max);

// w <- dequantize(quantize(w)) per slice along `axis` of `shape` (axis -1: the whole tensor).
void fake_quantize_weights(std::span<float> w, const Shape& shape, int axis);

}  // namespace tinyopt
