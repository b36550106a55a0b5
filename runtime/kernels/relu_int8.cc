// runtime/kernels/relu_int8.cc: RELU and RELU6 on int8/int16 (TFLM reference).
//   RELU: rescale (x - zp_in) by s_in / s_out, add zp_out, clamp to [max(qmin, zp_out + round(0 / s_out)), qmax].
//   RELU6 (int8): no rescaling (output keeps the input's parameters); clamp to [zp_in, quantize(6.0) in the
//   input's parameters] with quantize(f) = round(f / s_in) + zp_in clamped to int8.
#include <algorithm>
#include <cmath>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct ReluParams {
  bool rescale = true;  // RELU: rescale; RELU6: clamp only
  int32_t input_zp = 0, output_zp = 0;
  fxp::QuantizedMultiplier m;
  int32_t lo = 0, hi = 0;
  int64_t n = 0;
  bool int16 = false;
};

template <class T>
void relu_eval(const ReluParams& p, const T* in, T* out) {
  for (int64_t i = 0; i < p.n; ++i) {
    int32_t v = in[i];
    if (p.rescale) v = p.output_zp + fxp::multiply_by_quantized_multiplier(v - p.input_zp, p.m.multiplier, p.m.shift);
    out[i] = static_cast<T>(fxp::clamp(v, p.lo, p.hi));
  }
}

class ReluInt8 final : public Kernel {
 public:
  explicit ReluInt8(ReluParams p) : p_(p) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      relu_eval(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      relu_eval(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  ReluParams p_;
};

}  // namespace

KernelResult make_relu_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != in->dtype ||
      (op.kind == OpKind::Relu6 && in->dtype != DType::Int8))
    return unsupported_dtypes(g, op_index, fmt::format("no integer {} kernel for", op_kind_name(op.kind)));
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  ReluParams p;
  p.int16 = in->dtype == DType::Int16;
  p.n = in->num_elements();
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  const auto [qmin, qmax] = dtype_range(in->dtype);
  if (op.kind == OpKind::Relu6) {
    p.rescale = false;
    p.lo = qi->zero_point;
    const int32_t six = static_cast<int32_t>(std::round(6.0f / qi->scale)) + qi->zero_point;
    p.hi = std::clamp(six, qmin, qmax);
  } else {
    p.m = fxp::quantize_multiplier(static_cast<double>(qi->scale) / static_cast<double>(qo->scale));
    if (p.m.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
    p.lo = std::max(qmin, qo->zero_point + static_cast<int32_t>(std::round(0.0f / qo->scale)));
    p.hi = qmax;
  }
  return std::unique_ptr<Kernel>(std::make_unique<ReluInt8>(p));
}

}  // namespace tinyopt
