// ir/dequantize.cc: dequantization of constant tensors and of hybrid models' weights (see dequantize.h).
#include "ir/dequantize.h"

#include <cmath>
#include <span>

namespace tinyopt {
namespace {

// IEEE 754 binary16 to binary32 (every half value is exactly representable as a float).
float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

// Per-channel parameters run along `axis`: the channel of element i is (i / inner) % channels, inner being the
// product of the dimensions after the axis (dequantized_values checked the counts against the shape).
template <class T>
std::vector<float> dequantized(const Tensor& t) {
  const QuantParams& q = *t.quant;
  std::span<const T> values = t.values<T>();
  size_t inner = 1, channels = 1;
  if (q.per_channel()) {
    channels = static_cast<size_t>(t.shape[static_cast<size_t>(q.axis)]);
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < t.shape.size(); ++d) inner *= static_cast<size_t>(t.shape[d]);
  }
  std::vector<float> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const size_t c = channels == 1 ? 0 : (i / inner) % channels;
    out[i] = q.scale[c] * static_cast<float>(static_cast<int64_t>(values[i]) - q.zero_point[c]);
  }
  return out;
}

}  // namespace

std::optional<std::vector<float>> dequantized_values(const Tensor& t) {
  if (!t.is_constant) return std::nullopt;
  if (t.dtype == DType::Float16) {
    std::vector<float> out;
    for (uint16_t h : t.values<uint16_t>()) out.push_back(half_to_float(h));
    return out;
  }
  if (!t.quant) return std::nullopt;
  const QuantParams& q = *t.quant;
  if (q.scale.empty() || q.scale.size() != q.zero_point.size()) return std::nullopt;
  if (q.per_channel() && (q.axis < 0 || static_cast<size_t>(q.axis) >= t.shape.size() ||
                          static_cast<size_t>(t.shape[static_cast<size_t>(q.axis)]) != q.scale.size()))
    return std::nullopt;
  switch (t.dtype) {
    case DType::Int8: return dequantized<int8_t>(t);
    case DType::UInt8: return dequantized<uint8_t>(t);
    case DType::Int16: return dequantized<int16_t>(t);
    default: return std::nullopt;
  }
}

int dequantize_hybrid_weights(Graph& g) {
  int count = 0;
  for (const Op& op : g.ops) {
    if (op.kind == OpKind::Quantize || op.kind == OpKind::Dequantize || op.outputs.empty()) continue;
    if (g.tensor(op.outputs[0]).dtype != DType::Float32) continue;
    for (TensorId id : op.inputs) {
      if (id == kNoTensor) continue;
      Tensor& t = g.tensor(id);
      if (!t.is_constant || !t.quant || t.dtype == DType::Float16) continue;
      std::optional<std::vector<float>> values = dequantized_values(t);
      if (!values) continue;
      t.set_values<float>(*values);
      t.quant.reset();
      ++count;
    }
  }
  return count;
}

}  // namespace tinyopt
