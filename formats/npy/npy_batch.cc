// formats/npy/npy_batch.cc: sample counting, per-sample dtype conversion / quantization, output stacking.
#include "formats/npy/npy_batch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace tinyopt {
namespace {

Shape without_first(const Shape& s) { return s.empty() ? s : Shape(s.begin() + 1, s.end()); }

// Element `i` of a numeric array as double.
double element_as_double(const NpyArray& a, int64_t i) {
  const uint8_t* p = a.data.data() + static_cast<size_t>(i) * dtype_size(a.dtype);
  auto load = [p](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p, sizeof v);
    return static_cast<double>(v);
  };
  switch (a.dtype) {
    case DType::Float32: return load(float{});
    case DType::Float64: return load(double{});
    case DType::Float16: { uint16_t h; std::memcpy(&h, p, 2); return half_to_float(h); }
    case DType::Int8: return load(int8_t{});
    case DType::UInt8: return load(uint8_t{});
    case DType::Int16: return load(int16_t{});
    case DType::Int32: return load(int32_t{});
    case DType::Int64: return load(int64_t{});
    case DType::Bool: return *p != 0 ? 1.0 : 0.0;
  }
  return 0.0;
}

// Quantizes elements [first, first + n) into `out`. Returns the index (within the sample) of the first NaN, which
// has no quantized value (clamping leaves it NaN, and converting NaN to an integer is undefined), or -1.
template <class Q>
int64_t quantize_into(const NpyArray& a, int64_t first, int64_t n, const QuantParams& q, uint8_t* out) {
  const double scale = q.scale_at(0);
  const double zp = static_cast<double>(q.zero_point_at(0));
  constexpr double lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
  // x / scale clamped to [lo - zp - 1, hi - zp + 1] first: the clamp after rounding gives the same value, and the
  // clamped quotient converts to int32 exactly, so std::round (a libm call per element) becomes a truncation and a
  // comparison of the exact fraction: round half away from zero, as TFLite's reference QUANTIZE (std::round) does.
  const double t_lo = lo - zp - 1, t_hi = hi - zp + 1;
  if (zp < lo || zp > hi) {  // never from a model the readers accept; the plain definition, without int32 bounds
    for (int64_t i = 0; i < n; ++i) {
      const double x = element_as_double(a, first + i);
      if (std::isnan(x)) return i;
      const Q qv = static_cast<Q>(std::clamp(std::round(x / scale) + zp, lo, hi));
      std::memcpy(out + i * sizeof(Q), &qv, sizeof(Q));
    }
    return -1;
  }
  // No branches on the data (a < b ? a : b is exactly minsd; integer min/max are cmov), which real data's
  // fractions would mispredict every other element; int32 after the clamp (|t| < 2^16 + 2^15), so the loop
  // vectorises (cvttpd2dq), where an int64 conversion would not.
  const int32_t zp_int = q.zero_point_at(0), lo_int = std::numeric_limits<Q>::min(), hi_int = std::numeric_limits<Q>::max();
  auto quantize = [&](double x) {
    double t = x / scale;
    t = t < t_hi ? t : t_hi;
    t = t > t_lo ? t : t_lo;
    const int32_t r = static_cast<int32_t>(t);
    const double frac = t - static_cast<double>(r);  // exact: |t| < 2^52
    const int32_t v = r + static_cast<int32_t>(frac >= 0.5) - static_cast<int32_t>(frac <= -0.5) + zp_int;
    return static_cast<Q>(std::min(std::max(v, lo_int), hi_int));
  };
  if (a.dtype == DType::Float32) {  // the common case: NaNs found first, then a loop without a dtype switch
    const uint8_t* src = a.data.data() + static_cast<size_t>(first) * 4;
    for (int64_t i = 0; i < n; ++i) {
      float x;
      std::memcpy(&x, src + i * 4, 4);
      if (std::isnan(x)) return i;
    }
    for (int64_t i = 0; i < n; ++i) {
      float x;
      std::memcpy(&x, src + i * 4, 4);
      const Q qv = quantize(x);
      std::memcpy(out + i * sizeof(Q), &qv, sizeof(Q));
    }
    return -1;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double x = element_as_double(a, first + i);
    if (std::isnan(x)) return i;
    const Q qv = quantize(x);
    std::memcpy(out + i * sizeof(Q), &qv, sizeof(Q));
  }
  return -1;
}

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) magnitude = std::ldexp(static_cast<float>(mantissa), -24);                    // subnormal
  else if (exponent == 31) magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN()
                                                : std::numeric_limits<float>::infinity();
  else magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

Expected<int64_t> count_samples(const NpyArray& a, const std::string& file, const Tensor& t) {
  const bool unit_batch = !t.shape.empty() && t.shape[0] == 1;
  const Shape sample = unit_batch ? without_first(t.shape) : t.shape;
  if (a.shape == sample) return int64_t{1};
  if (!a.shape.empty() && without_first(a.shape) == sample) {
    if (a.shape[0] == 0) return fail(Errc::BadInput, {.file = file, .tensor = t.name}, "array holds no samples (shape {})",
                                     shape_to_string(a.shape));
    return int64_t{a.shape[0]};
  }
  std::string expected = shape_to_string(t.shape);
  if (unit_batch) expected += " (or " + shape_to_string(sample) + ", or [N," + shape_to_string(sample).substr(1) + ")";
  else expected += " (or [N," + shape_to_string(t.shape).substr(1) + ")";
  if (t.shape.empty()) expected = "[] (or [N])";
  return fail(Errc::BadInput, {.file = file, .tensor = t.name}, "array shape {} does not match the model input's {}",
              shape_to_string(a.shape), expected);
}

Expected<std::vector<uint8_t>> sample_for_tensor(const NpyArray& a, int64_t index, const std::string& file,
                                                 const Tensor& t) {
  const int64_t n = t.num_elements();
  const int64_t first = index * n;
  if (index < 0 || first + n > a.num_elements())
    return fail(Errc::Internal, {.file = file, .tensor = t.name}, "sample {} is outside the array", index);
  std::vector<uint8_t> out(t.byte_size());
  if (a.dtype == t.dtype) {
    std::memcpy(out.data(), a.data.data() + static_cast<size_t>(first) * dtype_size(a.dtype), out.size());
    return out;
  }
  const bool quantized = t.quant && !t.quant->scale.empty() && !t.quant->zero_point.empty();
  if (t.dtype == DType::Float32 && is_float(a.dtype)) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(element_as_double(a, first + i));
      std::memcpy(out.data() + i * 4, &v, 4);
    }
    return out;
  }
  const bool integer_input = t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int16;
  if (quantized && is_float(a.dtype) && integer_input) {
    if (!(t.quant->scale[0] > 0.0f))
      return fail(Errc::BadInput, {.file = file, .tensor = t.name}, "cannot quantize: the tensor's scale is {}",
                  t.quant->scale[0]);
    const int64_t nan = t.dtype == DType::Int8    ? quantize_into<int8_t>(a, first, n, *t.quant, out.data())
                        : t.dtype == DType::UInt8 ? quantize_into<uint8_t>(a, first, n, *t.quant, out.data())
                                                  : quantize_into<int16_t>(a, first, n, *t.quant, out.data());
    if (nan >= 0)
      return fail(Errc::BadInput, {.file = file, .tensor = t.name},
                  "element {} of sample {} is NaN: it cannot be quantized", nan, index);
    return out;
  }
  return fail(Errc::BadInput, {.file = file, .tensor = t.name},
              "array dtype {} does not match the model input's {}{}", dtype_name(a.dtype), dtype_name(t.dtype),
              quantized ? " (give float data to have it quantized, or the exact dtype)" : "");
}

NpyArray stack_samples(const std::vector<std::vector<uint8_t>>& samples, const Tensor& t, bool dequantize) {
  NpyArray out;
  const int64_t count = static_cast<int64_t>(samples.size());
  if (count == 1) {
    out.shape = t.shape;
  } else {
    const bool unit_batch = !t.shape.empty() && t.shape[0] == 1;
    out.shape = Shape{static_cast<int32_t>(count)};
    const Shape rest = unit_batch ? without_first(t.shape) : t.shape;
    out.shape.insert(out.shape.end(), rest.begin(), rest.end());
  }
  const bool quantized = t.quant && !t.quant->scale.empty() && !t.quant->zero_point.empty();
  if (dequantize && quantized && !is_float(t.dtype)) {
    out.dtype = DType::Float32;
    const double scale = t.quant->scale_at(0), zp = static_cast<double>(t.quant->zero_point_at(0));
    NpyArray as_q{t.dtype, {}, {}};
    for (const std::vector<uint8_t>& s : samples) {
      as_q.data = s;
      as_q.shape = {static_cast<int32_t>(s.size() / dtype_size(t.dtype))};
      for (int64_t i = 0; i < as_q.shape[0]; ++i) {
        const float v = static_cast<float>(scale * (element_as_double(as_q, i) - zp));
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        out.data.insert(out.data.end(), b, b + 4);
      }
    }
    return out;
  }
  out.dtype = t.dtype;
  for (const std::vector<uint8_t>& s : samples) out.data.insert(out.data.end(), s.begin(), s.end());
  return out;
}

}  // namespace tinyopt
