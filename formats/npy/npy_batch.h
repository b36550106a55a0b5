// formats/npy/npy_batch.h: arrays as batches of model samples: how many samples an input array holds for a
// model tensor, the bytes of one sample converted to the tensor's dtype (quantizing float data for int8
// tensors), and stacking per-sample outputs back into one array.
//
// Batch rule, for a model tensor of shape S = [1, d1, ..., dk] (the usual leading batch of 1):
//   array [d1, ..., dk]      -> 1 sample (the batch axis may be left out)
//   array [N, d1, ..., dk]   -> N samples (N = 1 is the model's own shape)
// and for a tensor whose first dimension is not 1 (S = [d0, ..., dk]): array S -> 1 sample, [N, d0, ..., dk] ->
// N samples. Outputs are stacked as [N, d1, ..., dk] (resp. [N, d0, ..., dk]); a single sample keeps the
// model's output shape exactly.
//
// The interpreter that runs the samples is runtime/'s; this file only moves and converts bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/npy/npy.h"
#include "ir/quant_params.h"
#include "ir/tensor.h"

namespace tinyopt {

// Number of samples `a` holds for tensor `t`, or a BadInput error naming `file`, the tensor and both shapes.
Expected<int64_t> count_samples(const NpyArray& a, const std::string& file, const Tensor& t);

// Sample `index` of `a`, converted to `t`'s dtype, as t.byte_size() bytes:
//   same dtype                    -> copied as is (int8 arrays feed int8 tensors unchanged)
//   float32 tensor, float array   -> converted to float32 (float64, float16); integer arrays are an error, as
//                                    they usually mean unscaled data (pixels 0..255 for a [0,1] model)
//   int8/uint8/int16 tensor with quantization, float array -> q = clamp(round(x / scale) + zero_point)
// Any other pairing is a BadInput error naming the file, the tensor and both dtypes.
Expected<std::vector<uint8_t>> sample_for_tensor(const NpyArray& a, int64_t index, const std::string& file,
                                                 const Tensor& t);

// Stacks `samples` (each t.byte_size() bytes of `t`'s dtype) along a new first axis per the rule above.
// With `dequantize` set and `t` quantized, the result is float32 = scale * (q - zero_point).
NpyArray stack_samples(const std::vector<std::vector<uint8_t>>& samples, const Tensor& t, bool dequantize);

// IEEE half -> float (for float16 arrays).
float half_to_float(uint16_t h);

}  // namespace tinyopt
