// passes/quantize_math.cc: activation nudging, fixed output parameters, symmetric weight quantization.
#include "passes/quantize_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tinyopt {

QuantParams activation_params(Range r, DType type, bool* fallback) {
  double lo = std::min<double>(r.min, 0.0), hi = std::max<double>(r.max, 0.0);
  if (fallback) *fallback = false;
  if (hi - lo <= 0 || !std::isfinite(hi - lo)) {
    lo = 0.0;
    hi = 1.0;
    if (fallback) *fallback = true;
  }
  if (type == DType::Int16) {
    double m = std::max(-lo, hi);
    return {{static_cast<float>(m / 32767.0)}, {0}, 0};
  }
  const double qmin = -128, qmax = 127;
  double scale = (hi - lo) / (qmax - qmin);
  // The zero point is the integer nearest to where real 0 falls; the range then shifts slightly ("nudging").
  double zp_from_min = qmin - lo / scale;
  double zp = std::round(std::clamp(zp_from_min, qmin, qmax));
  return {{static_cast<float>(scale)}, {static_cast<int64_t>(zp)}, 0};
}

std::optional<QuantParams> fixed_output_params(OpKind kind, DType type) {
  if (type == DType::Int16) {
    // 16x8: SOFTMAX, LOGISTIC and TANH outputs use scale 1/32768, zero point 0.
    if (kind == OpKind::Softmax || kind == OpKind::Logistic || kind == OpKind::Tanh)
      return QuantParams{{1.0f / 32768.0f}, {0}, 0};
    return std::nullopt;
  }
  switch (kind) {
    case OpKind::Softmax: case OpKind::Logistic: return QuantParams{{1.0f / 256.0f}, {-128}, 0};
    case OpKind::Tanh: return QuantParams{{1.0f / 128.0f}, {0}, 0};
    default: return std::nullopt;
  }
}

namespace {

struct Layout {
  int64_t channels = 1, inner = 1;
  size_t channel_of(size_t i) const { return static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels); }
};

Layout layout_of(const Shape& shape, int axis) {
  Layout l;
  if (axis < 0) { l.inner = std::max<int64_t>(1, num_elements(shape)); return l; }
  l.channels = shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) l.inner *= shape[d];
  return l;
}

}  // namespace

QuantizedWeights quantize_weights(std::span<const float> w, const Shape& shape, int axis) {
  Layout l = layout_of(shape, axis);
  QuantizedWeights q;
  std::vector<float> maxabs(static_cast<size_t>(l.channels), 0.0f);
  float overall = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    size_t c = l.channel_of(i);
    maxabs[c] = std::max(maxabs[c], std::fabs(w[i]));
    overall = std::max(overall, std::fabs(w[i]));
  }
  q.params.axis = axis < 0 ? 0 : axis;
  for (size_t c = 0; c < maxabs.size(); ++c) {
    float m = maxabs[c];
    if (m == 0) {
      // All-zero channel: any scale represents it; take the tensor's (or 1/127 when all is zero) so that the
      // bias of this channel keeps a sensible scale too.
      ++q.zero_channels;
      m = overall > 0 ? overall : 1.0f;
    }
    q.params.scale.push_back(m / 127.0f);
    q.params.zero_point.push_back(0);
  }
  q.values.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    float s = q.params.scale[l.channel_of(i)];
    q.values[i] = static_cast<int8_t>(std::clamp<long>(std::lround(w[i] / s), -127, 127));
  }
  return q;
}

float dequantized_weight(const QuantizedWeights& q, const Shape& shape, int axis, size_t i) {
  Layout l = layout_of(shape, axis);
  return q.params.scale[l.channel_of(i)] * static_cast<float>(q.values[i]);
}

int32_t quantize_value(float x, float scale, int64_t zero_point, DType type) {
  double qmin = type == DType::Int16 ? -32768 : -128, qmax = type == DType::Int16 ? 32767 : 127;
  double q = std::round(static_cast<double>(x) / scale) + static_cast<double>(zero_point);
  return static_cast<int32_t>(std::clamp(q, qmin, qmax));
}

std::vector<uint8_t> quantize_constant(std::span<const float> v, const QuantParams& p, DType type) {
  std::vector<uint8_t> out(v.size() * dtype_size(type));
  for (size_t i = 0; i < v.size(); ++i) {
    int32_t q = quantize_value(v[i], p.scale[0], p.zero_point[0], type);
    if (type == DType::Int16) { int16_t x = static_cast<int16_t>(q); std::memcpy(&out[i * 2], &x, 2); }
    else out[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
  }
  return out;
}

}  // namespace tinyopt
