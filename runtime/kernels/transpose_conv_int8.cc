// runtime/kernels/transpose_conv_int8.cc: TRANSPOSE_CONV with int8 activations (int32 accumulators) or int16
// activations and int8 weights ("16x8", int64 accumulators), per-channel weights, bit-exact with TFLM's
// reference_integer_ops::TransposeConv; and make_transpose_conv, the factory registered for the op (keyed by its
// int32 output-shape input), which picks the float or integer kernel by the dtype of the data input (#2).
//
// TFLM facts followed here (kernels/transpose_conv.cc, reference integer_ops/transpose_conv.h):
//   * operands: 0 output shape (ignored at eval: the output tensor's shape is used), 1 weights [O, KH, KW, I],
//     2 input NHWC, 3 optional bias;
//   * padding: the conv padding of the *output* size (ComputePaddingHeightWidth with the output as its input),
//     only the leading part; dilation is always 1;
//   * a "scatter" loop: every input element adds input x weight to each output position it touches, into a zeroed
//     accumulator the size of the output (the scratch buffer);
//   * then per output channel: + bias, MultiplyByQuantizedMultiplier (per-channel, int64 variant for 16x8),
//     + output zero point (int8 only: the 16x8 kernel assumes zero points of 0), clamped to the dtype's range. The
//     fused activation of the options is not applied (TFLM prepares with kTfLiteActNone).
#include <cstring>

#include "ir/window_geometry.h"
#include "runtime/fixed_point.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/transpose_conv_geometry.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {
namespace {

struct TransposeConvInt8Params : TransposeConvGeometry {
  bool int16 = false;
  int32_t input_offset = 0, output_offset = 0, act_min = 0, act_max = 0;
  std::vector<int32_t> multiplier;
  std::vector<int> shift;
  std::vector<int64_t> bias;
};

// Acc is int32_t for int8 (TFLM's int32 scratch: products and sums wrap as in the reference) and int64_t for 16x8.
template <class T, class Acc>
void transpose_conv(const TransposeConvInt8Params& p, const T* input, const int8_t* filter, T* output, Acc* acc) {
  std::memset(acc, 0, static_cast<size_t>(p.out_elements()) * sizeof(Acc));
  scatter_transpose_conv(p, [&](int64_t in_index, int64_t f_index, int64_t out_index) {
    acc[out_index] += static_cast<Acc>((Acc{input[in_index]} + p.input_offset) * Acc{filter[f_index]});
  });
  const int64_t pixels = p.out_elements() / p.out_c;
  for (int64_t px = 0; px < pixels; ++px)
    for (int oc = 0; oc < p.out_c; ++oc) {
      const auto c = static_cast<size_t>(oc);
      Acc a = acc[px * p.out_c + oc];
      if (!p.bias.empty()) a += static_cast<Acc>(p.bias[c]);
      int32_t v = fxp::multiply_by_quantized_multiplier(a, p.multiplier[c], p.shift[c]);
      if (!p.int16) v += p.output_offset;
      output[px * p.out_c + oc] = static_cast<T>(fxp::clamp(v, p.act_min, p.act_max));
    }
}

class TransposeConvInt8 final : public Kernel {
 public:
  explicit TransposeConvInt8(TransposeConvInt8Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const auto* filter = reinterpret_cast<const int8_t*>(io.inputs[1]);
    if (p_.int16)
      transpose_conv(p_, reinterpret_cast<const int16_t*>(io.inputs[2]), filter,
                     reinterpret_cast<int16_t*>(io.outputs[0]), reinterpret_cast<int64_t*>(io.scratch.data()));
    else
      transpose_conv(p_, reinterpret_cast<const int8_t*>(io.inputs[2]), filter,
                     reinterpret_cast<int8_t*>(io.outputs[0]), reinterpret_cast<int32_t*>(io.scratch.data()));
  }
  size_t scratch_bytes() const override {
    return static_cast<size_t>(p_.out_elements()) * (p_.int16 ? sizeof(int64_t) : sizeof(int32_t));
  }

 private:
  TransposeConvInt8Params p_;
};

}  // namespace

KernelResult make_transpose_conv_int8(const Graph& g, int op_index) {
  auto geometry = prepare_transpose_conv_geometry(g, op_index);
  if (!geometry) return geometry.take_error();
  const Tensor* in = op_input(g, op_index, 2);
  const Tensor* filter = op_input(g, op_index, 1);
  const Tensor* bias = op_input(g, op_index, 3);
  const Tensor* out = op_output(g, op_index, 0);
  if (in->dtype != DType::Int8 && in->dtype != DType::Int16)
    return unsupported_dtypes(g, op_index, "no integer TRANSPOSE_CONV kernel for");
  if (filter->dtype != DType::Int8 || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "TRANSPOSE_CONV needs int8 weights and an output of the input's dtype:");
  TransposeConvInt8Params p;
  static_cast<TransposeConvGeometry&>(p) = *geometry;
  p.int16 = in->dtype == DType::Int16;
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  if (p.int16 && (qi->zero_point != 0 || qo->zero_point != 0))
    return bad_op(g, op_index, in, "16x8 TRANSPOSE_CONV needs zero points of 0 (symmetric int16 activations)");
  if (!filter->quant) return bad_op(g, op_index, filter, "weights have no quantization parameters");
  p.input_offset = -qi->zero_point;
  p.output_offset = qo->zero_point;
  std::tie(p.act_min, p.act_max) = dtype_range(out->dtype);
  auto m = per_channel_multipliers(g, op_index, *qi, *filter, *qo, p.out_c);
  if (!m) return m.take_error();
  p.multiplier = std::move(m->multiplier);
  p.shift = std::move(m->shift);
  if (bias && !p.int16 && bias->dtype != DType::Int32)
    return bad_op(g, op_index, bias, "int8 TRANSPOSE_CONV needs an int32 bias");
  auto b = bias_values(g, op_index, bias, p.out_c, 3);
  if (!b) return b.take_error();
  p.bias = std::move(*b);
  return std::unique_ptr<Kernel>(std::make_unique<TransposeConvInt8>(std::move(p)));
}

KernelResult make_transpose_conv(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 2);
  if (!in) return bad_op(g, op_index, nullptr, "TRANSPOSE_CONV needs an input tensor (#2)");
  if (in->dtype == DType::Float32) return make_transpose_conv_float(g, op_index);
  return make_transpose_conv_int8(g, op_index);
}

}  // namespace tinyopt
