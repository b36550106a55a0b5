// runtime/kernels/mean_int8.cc: MEAN over constant axes of an int8/int16 tensor (TFLM reference
// QuantizedMeanOrSum): the raw values are summed in int32 per output element; the multiplier of s_in / s_out is
// adapted to divide by the element count n (shift = min(floor(log2 n), 32, 31 + output_shift); multiplier =
// (multiplier << shift) / n; output_shift -= shift), then (sum - zp_in * n) is rescaled, offset by zp_out and
// clamped.
#include <algorithm>
#include <vector>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct MeanParams {
  Shape in;
  std::vector<int64_t> out_stride;  // per input dimension: stride in the output, 0 for reduced dimensions
  int64_t num_out = 0, count = 0;
  int32_t input_zp = 0, output_zp = 0, lo = 0, hi = 0;
  fxp::QuantizedMultiplier m;
  bool int16 = false;
};

class MeanInt8 final : public Kernel {
 public:
  explicit MeanInt8(MeanParams p) : p_(std::move(p)) {}
  size_t scratch_bytes() const override { return static_cast<size_t>(p_.num_out) * sizeof(int32_t); }
  void eval(const OpBuffers& io) const override {
    if (p_.int16) run<int16_t>(io);
    else run<int8_t>(io);
  }

 private:
  template <class T>
  void run(const OpBuffers& io) const {
    const T* in = reinterpret_cast<const T*>(io.inputs[0]);
    T* out = reinterpret_cast<T*>(io.outputs[0]);
    auto* sum = reinterpret_cast<int32_t*>(io.scratch.data());
    std::fill(sum, sum + p_.num_out, 0);
    const size_t rank = p_.in.size();
    const int64_t n = num_elements(p_.in);
    std::vector<int32_t> idx(rank, 0);
    int64_t o = 0;
    for (int64_t i = 0; i < n; ++i) {
      sum[o] += in[i];
      for (size_t d = rank; d-- > 0;) {
        ++idx[d];
        o += p_.out_stride[d];
        if (idx[d] < p_.in[d]) break;
        o -= p_.out_stride[d] * p_.in[d];
        idx[d] = 0;
      }
    }
    if (p_.count == 0) return;
    for (int64_t k = 0; k < p_.num_out; ++k) {
      const int32_t shifted = static_cast<int32_t>(sum[k] - static_cast<int64_t>(p_.input_zp) * p_.count);
      const int32_t v = fxp::multiply_by_quantized_multiplier(shifted, p_.m.multiplier, p_.m.shift) + p_.output_zp;
      out[k] = static_cast<T>(fxp::clamp(v, p_.lo, p_.hi));
    }
  }

  MeanParams p_;
};

}  // namespace

KernelResult make_mean_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* axes = op_input(g, op_index, 1);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !axes || !out) return bad_op(g, op_index, nullptr, "MEAN needs input, axes and output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer MEAN kernel for");
  if (!axes->is_constant || axes->dtype != DType::Int32) return bad_op(g, op_index, axes, "axes must be constant int32");
  auto qi = per_tensor_quant(g, op_index, in);
  if (!qi) return qi.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  MeanParams p;
  p.int16 = in->dtype == DType::Int16;
  p.in = in->shape;
  const int rank = static_cast<int>(in->shape.size());
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int32_t a : axes->values<int32_t>()) {
    const int d = a < 0 ? a + rank : a;
    if (d < 0 || d >= rank) return bad_op(g, op_index, axes, fmt::format("axis {} out of range for rank {}", a, rank));
    reduced[static_cast<size_t>(d)] = true;
  }
  p.out_stride.assign(static_cast<size_t>(rank), 0);
  int64_t stride = 1;
  p.count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (reduced[static_cast<size_t>(d)]) {
      p.count *= in->shape[static_cast<size_t>(d)];
      continue;
    }
    p.out_stride[static_cast<size_t>(d)] = stride;
    stride *= in->shape[static_cast<size_t>(d)];
  }
  p.num_out = stride;
  if (out->num_elements() != p.num_out) return bad_op(g, op_index, out, "output size does not match the reduction");
  p.input_zp = qi->zero_point;
  p.output_zp = qo->zero_point;
  std::tie(p.lo, p.hi) = dtype_range(in->dtype);
  fxp::QuantizedMultiplier m = fxp::quantize_multiplier(static_cast<double>(qi->scale) / static_cast<double>(qo->scale));
  if (p.count > 0) {
    int shift = 63 - __builtin_clzll(static_cast<uint64_t>(p.count));
    shift = std::min(shift, 32);
    shift = std::min(shift, 31 + m.shift);
    m.multiplier = static_cast<int32_t>((static_cast<int64_t>(m.multiplier) << shift) / p.count);
    m.shift -= shift;
  }
  if (m.shift > 30) return bad_op(g, op_index, out, "rescale factor is too large");
  p.m = m;
  return std::unique_ptr<Kernel>(std::make_unique<MeanInt8>(std::move(p)));
}

}  // namespace tinyopt
