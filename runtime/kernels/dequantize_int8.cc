// runtime/kernels/dequantize_int8.cc: DEQUANTIZE int8/int16 -> float32 (TFLM reference):
// y = float(double(scale) * (x - zero_point)).
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

class DequantizeInt8 final : public Kernel {
 public:
  DequantizeInt8(int64_t n, double scale, int32_t zp, bool in16) : n_(n), scale_(scale), zp_(zp), in16_(in16) {}
  void eval(const OpBuffers& io) const override {
    auto* out = reinterpret_cast<float*>(io.outputs[0]);
    if (in16_) {
      const auto* in = reinterpret_cast<const int16_t*>(io.inputs[0]);
      for (int64_t i = 0; i < n_; ++i) out[i] = static_cast<float>(scale_ * (int32_t{in[i]} - zp_));
    } else {
      const auto* in = reinterpret_cast<const int8_t*>(io.inputs[0]);
      for (int64_t i = 0; i < n_; ++i) out[i] = static_cast<float>(scale_ * (int32_t{in[i]} - zp_));
    }
  }

 private:
  int64_t n_;
  double scale_;
  int32_t zp_;
  bool in16_;
};

}  // namespace

KernelResult make_dequantize_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !out) return bad_op(g, op_index, nullptr, "needs an input and an output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != DType::Float32)
    return unsupported_dtypes(g, op_index, "no DEQUANTIZE kernel for");
  if (in->num_elements() != out->num_elements()) return bad_op(g, op_index, out, "output size differs from input");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<DequantizeInt8>(in->num_elements(), static_cast<double>(qi->scale), qi->zero_point,
                                       in->dtype == DType::Int16));
}

}  // namespace tinyopt
