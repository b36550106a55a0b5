// runtime/kernels/float_weights.cc: hybrid int8 weights for the float kernels, dequantized by ir/dequantize.h.
#include "runtime/kernels/float_weights.h"

#include "ir/dequantize.h"

namespace tinyopt {

Expected<FloatWeights> prepare_float_weights(const Graph& g, int op_index, size_t input_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& t = g.tensor(op.inputs.at(input_index));
  Location loc = g.where(op_index);
  loc.tensor = t.name;
  if (!t.is_constant) return fail(Errc::Unsupported, loc, "weights must be constant");
  FloatWeights w;
  if (t.dtype == DType::Float32) return w;
  if (t.dtype != DType::Int8 || !t.quant)
    return fail(Errc::Unsupported, loc, "float op with {} weights without quantization parameters", dtype_name(t.dtype));
  std::optional<std::vector<float>> v = dequantized_values(t);
  if (!v) return fail(Errc::BadInput, loc, "int8 weights have quantization parameters that do not fit shape {}",
                      shape_to_string(t.shape));
  w.dequantized = std::move(*v);
  return w;
}

}  // namespace tinyopt
