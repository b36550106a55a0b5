// ir/quant_params.h: affine quantization parameters, real = scale * (q - zero_point).
#pragma once

#include <cstdint>
#include <vector>

namespace tinyopt {

struct QuantParams {
  std::vector<float> scale;         // one per tensor, or one per channel along `axis`
  std::vector<int64_t> zero_point;  // same count as scale
  int32_t axis = 0;                 // quantized dimension when per-channel (TFLite `quantized_dimension`)

  bool per_channel() const { return scale.size() > 1; }
  size_t channels() const { return scale.size(); }
  float scale_at(size_t c) const { return scale.size() == 1 ? scale[0] : scale[c]; }
  int64_t zero_point_at(size_t c) const { return zero_point.size() == 1 ? zero_point[0] : zero_point[c]; }
  bool operator==(const QuantParams&) const = default;
};

}  // namespace tinyopt
