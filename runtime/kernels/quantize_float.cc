// runtime/kernels/quantize_float.cc: QUANTIZE from float32 to int8 / int16 (TFLite AffineQuantize):
// q = clamp(round(x / scale) + zero_point, qmin, qmax), rounding half away from zero, per tensor or per channel.
// (DEQUANTIZE and int -> int requantization key on integer inputs and live with the integer kernels.)
#include <cmath>
#include <limits>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {
namespace {

template <class Q>
class QuantizeFloat final : public Kernel {
 public:
  int64_t count = 0, inner = 1;  // channel of element i = (i / inner) % scales.size()
  std::vector<float> scale;
  std::vector<int32_t> zero_point;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const float*>(io.inputs[0]);
    auto* y = reinterpret_cast<Q*>(io.outputs[0]);
    constexpr int32_t lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
    const auto channels = static_cast<int64_t>(scale.size());
    for (int64_t i = 0; i < count; ++i) {
      const auto c = static_cast<size_t>(channels == 1 ? 0 : (i / inner) % channels);
      const float r = std::round(x[i] / scale[c]);
      // Clamp in float first so that huge values and infinities never overflow the int conversion.
      const float clamped = std::fmin(std::fmax(r, -65536.0f), 65536.0f);
      const int32_t q = static_cast<int32_t>(clamped) + zero_point[c];
      y[i] = static_cast<Q>(std::min(std::max(q, lo), hi));
    }
  }
};

template <class Q>
KernelResult make(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& out = g.tensor(op.outputs[0]);
  Location loc = g.where(op_index);
  loc.tensor = out.name;
  if (!out.quant) return fail(Errc::BadInput, loc, "quantized output has no quantization parameters");
  auto k = std::make_unique<QuantizeFloat<Q>>();
  k->count = out.num_elements();
  k->scale = out.quant->scale;
  for (int64_t z : out.quant->zero_point) k->zero_point.push_back(static_cast<int32_t>(z));
  if (out.quant->per_channel())
    for (size_t d = static_cast<size_t>(out.quant->axis) + 1; d < out.shape.size(); ++d) k->inner *= out.shape[d];
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace

KernelResult make_quantize_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& out = g.tensor(op.outputs[0]);
  if (out.dtype == DType::Int8) return make<int8_t>(g, op_index);
  if (out.dtype == DType::Int16) return make<int16_t>(g, op_index);
  if (out.dtype == DType::UInt8) return make<uint8_t>(g, op_index);
  return fail(Errc::Unsupported, g.where(op_index), "QUANTIZE float32 -> {} is not supported", dtype_name(out.dtype));
}

}  // namespace tinyopt
