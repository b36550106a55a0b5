// train/fake_quant.cc: activation and weight fake quantization (see fake_quant.h).
#include "train/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tinyopt {

void fake_quantize_activations(std::span<float> x, float min, float max) {
  const double lo = std::min<double>(min, 0.0), hi = std::max<double>(max, 0.0);
  if (!(hi - lo > 0) || !std::isfinite(hi - lo)) return;
  const double scale = (hi - lo) / 255.0;
  const double zp = std::round(std::clamp(-128.0 - lo / scale, -128.0, 127.0));
  for (float& v : x) {
    const double q = std::clamp(std::round(v / scale) + zp, -128.0, 127.0);
    v = static_cast<float>((q - zp) * scale);
  }
}

void fake_quantize_weights(std::span<float> w, const Shape& shape, int axis) {
  size_t dim = 1, inner = 1;
  if (axis >= 0 && static_cast<size_t>(axis) < shape.size()) {
    dim = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= static_cast<size_t>(shape[d]);
  }
  auto channel = [&](size_t e) { return dim == 1 ? size_t{0} : (e / inner) % dim; };
  std::vector<float> amax(dim, 0.f);
  for (size_t e = 0; e < w.size(); ++e) amax[channel(e)] = std::max(amax[channel(e)], std::abs(w[e]));
  for (size_t e = 0; e < w.size(); ++e) {
    const float s = amax[channel(e)] / 127.0f;  // in float, as passes/quantize_math.cc's quantize_weights
    if (!(s > 0)) continue;
    w[e] = static_cast<float>(std::clamp<long>(std::lround(w[e] / s), -127, 127)) * s;
  }
}

}  // namespace tinyopt
