// runtime/kernels/float_weights.cc: dequantization of hybrid int8 weights for the float kernels.
#include "runtime/kernels/float_weights.h"

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
  const QuantParams& q = *t.quant;
  const auto n = static_cast<size_t>(t.num_elements());
  // Per-channel scales run along `axis`: channel of element i = (i / inner) % channels.
  size_t inner = 1;
  if (q.per_channel())
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < t.shape.size(); ++d) inner *= static_cast<size_t>(t.shape[d]);
  std::span<const int8_t> v = t.values<int8_t>();
  w.dequantized.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = q.per_channel() ? (i / inner) % q.channels() : 0;
    w.dequantized[i] = q.scale_at(c) * static_cast<float>(v[i] - q.zero_point_at(c));
  }
  return w;
}

}  // namespace tinyopt
