// runtime/kernels/concatenation_int8.cc: CONCATENATION of int8/int16 tensors along one axis. Inputs whose scale
// and zero point equal the output's are copied (TFLM requires this for every input and copies); an input with
// other parameters is requantized as TFLite's reference ConcatenationWithScaling does:
// round(x * (s_in / s_out) + (-zp_in * s_in / s_out)) + zp_out in float, clamped to the dtype.
#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct ConcatInput {
  int64_t block = 0;    // elements per outer index: dim[axis] * inner
  bool copy = true;     // same parameters as the output
  float scale = 1.0f;   // s_in / s_out
  float bias = 0.0f;    // -zp_in * scale
};

class ConcatenationInt8 final : public Kernel {
 public:
  ConcatenationInt8(std::vector<ConcatInput> inputs, int64_t outer, int32_t out_zp, bool int16)
      : inputs_(std::move(inputs)), outer_(outer), out_zp_(out_zp), int16_(int16) {}
  void eval(const OpBuffers& io) const override {
    if (int16_) run<int16_t>(io);
    else run<int8_t>(io);
  }

 private:
  template <class T>
  void run(const OpBuffers& io) const {
    T* out = reinterpret_cast<T*>(io.outputs[0]);
    const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    for (int64_t o = 0; o < outer_; ++o)
      for (size_t i = 0; i < inputs_.size(); ++i) {
        const ConcatInput& c = inputs_[i];
        const T* in = reinterpret_cast<const T*>(io.inputs[i]) + o * c.block;
        if (c.copy) {
          std::memcpy(out, in, static_cast<size_t>(c.block) * sizeof(T));
        } else {
          for (int64_t j = 0; j < c.block; ++j) {
            const int32_t v = static_cast<int32_t>(std::round(static_cast<float>(in[j]) * c.scale + c.bias)) + out_zp_;
            out[j] = static_cast<T>(std::min(std::max(v, lo), hi));
          }
        }
        out += c.block;
      }
  }

  std::vector<ConcatInput> inputs_;
  int64_t outer_;
  int32_t out_zp_;
  bool int16_;
};

}  // namespace

KernelResult make_concatenation_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* out = op_output(g, op_index, 0);
  if (!out || op.inputs.empty()) return bad_op(g, op_index, nullptr, "needs inputs and an output");
  const DType t = out->dtype;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const Tensor* in = op_input(g, op_index, i);
    if (!in || in->dtype != t || (t != DType::Int8 && t != DType::Int16))
      return unsupported_dtypes(g, op_index, "no integer CONCATENATION kernel for");
  }
  const auto* o = std::get_if<ConcatenationOptions>(&op.options);
  if (o && o->activation != Activation::None)
    return unsupported_dtypes(g, op_index, "fused activation on integer CONCATENATION");
  const int rank = static_cast<int>(out->shape.size());
  int axis = o ? o->axis : 0;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return bad_op(g, op_index, out, fmt::format("axis {} out of range", o ? o->axis : 0));
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out->shape[static_cast<size_t>(d)];
  for (int d = axis + 1; d < rank; ++d) inner *= out->shape[static_cast<size_t>(d)];
  std::vector<ConcatInput> inputs;
  int64_t total_axis = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const Tensor* in = op_input(g, op_index, i);
    if (static_cast<int>(in->shape.size()) != rank) return bad_op(g, op_index, in, "input rank differs from the output's");
    auto qi = per_tensor_quant(g, op_index, in);
    if (!qi) return qi.take_error();
    ConcatInput c;
    c.block = in->shape[static_cast<size_t>(axis)] * inner;
    total_axis += in->shape[static_cast<size_t>(axis)];
    c.copy = qi->scale == qo->scale && qi->zero_point == qo->zero_point;
    c.scale = qi->scale * (1.0f / qo->scale);
    c.bias = static_cast<float>(-qi->zero_point) * c.scale;
    inputs.push_back(c);
  }
  if (total_axis != out->shape[static_cast<size_t>(axis)])
    return bad_op(g, op_index, out, "input sizes along the axis do not add up to the output's");
  return std::unique_ptr<Kernel>(
      std::make_unique<ConcatenationInt8>(std::move(inputs), outer, qo->zero_point, t == DType::Int16));
}

}  // namespace tinyopt
