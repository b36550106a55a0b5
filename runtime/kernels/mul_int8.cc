// runtime/kernels/mul_int8.cc: MUL with int8 or int16 operands and broadcasting (TFLM reference): the product of
// the zero-point-corrected inputs is rescaled by s1 * s2 / s_out (double, quantize_multiplier), offset by the
// output zero point and clamped by the fused activation.
#include "runtime/broadcast_index.h"
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct MulParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  fxp::QuantizedMultiplier output;
  int32_t act_min = 0, act_max = 0;
  BroadcastMap map;
  bool int16 = false;
};

template <class T>
void mul_eval(const MulParams& p, const T* a, const T* b, T* out) {
  for_each_broadcast(p.map, [&](int64_t ia, int64_t ib, int64_t io) {
    const int32_t x1 = p.input1_offset + a[ia];
    const int32_t x2 = p.input2_offset + b[ib];
    const int32_t v = p.output_offset + fxp::multiply_by_quantized_multiplier(x1 * x2, p.output.multiplier, p.output.shift);
    out[io] = static_cast<T>(fxp::clamp(v, p.act_min, p.act_max));
  });
}

class MulInt8 final : public Kernel {
 public:
  explicit MulInt8(MulParams p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    if (p_.int16)
      mul_eval(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<const int16_t*>(io.inputs[1]),
               reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      mul_eval(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<const int8_t*>(io.inputs[1]),
               reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  MulParams p_;
};

}  // namespace

KernelResult make_mul_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* a = op_input(g, op_index, 0);
  const Tensor* b = op_input(g, op_index, 1);
  const Tensor* out = op_output(g, op_index, 0);
  if (!a || !b || !out) return bad_op(g, op_index, nullptr, "needs two inputs and an output");
  const DType t = a->dtype;
  if ((t != DType::Int8 && t != DType::Int16) || b->dtype != t || out->dtype != t)
    return unsupported_dtypes(g, op_index, "no integer MUL kernel for");
  auto q1 = per_tensor_quant(g, op_index, a);
  if (!q1) return q1.take_error();
  auto q2 = per_tensor_quant(g, op_index, b);
  if (!q2) return q2.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  auto map = make_broadcast_map(a->shape, b->shape, out->shape);
  if (!map) return bad_op(g, op_index, out, "input shapes do not broadcast to the output shape");
  MulParams p;
  p.int16 = t == DType::Int16;
  p.map = std::move(*map);
  p.input1_offset = -q1->zero_point;
  p.input2_offset = -q2->zero_point;
  p.output_offset = qo->zero_point;
  p.output = fxp::quantize_multiplier(static_cast<double>(q1->scale) * static_cast<double>(q2->scale) /
                                      static_cast<double>(qo->scale));
  if (p.output.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
  const auto* eo = std::get_if<ElementwiseOptions>(&op.options);
  std::tie(p.act_min, p.act_max) = activation_range(eo ? eo->activation : Activation::None, t, *qo);
  return std::unique_ptr<Kernel>(std::make_unique<MulInt8>(std::move(p)));
}

}  // namespace tinyopt
