// runtime/kernels/svdf_int8.cc: SVDF with int8 input/output and int8 or int16 time weights and activation state,
// bit-exact with TFLM's EvalIntegerSvdfReference (kernels/svdf_common.cc). Per invocation and batch:
//   1. the activation state [batch, filters x memory] moves one element left (the oldest column drops out);
//   2. feature matmul: for each filter, sum_c w_feature[f][c] * (x[c] - zp_in), rescaled by
//      s_in * s_wf / s_state (scales multiplied in float, as TFLM does), + zp_state, clamped to the state's dtype,
//      becomes the newest column (index memory - 1) of that filter's memory;
//   3. time: per filter, sum_j w_time[f][j] * (state[f][j] - zp_state) (int32);
//   4. per unit, bias + the sum over its `rank` filters, rescaled by s_state * s_wt / s_out, + zp_out, clamped
//      to int8. The fused activation of the options is not applied by TFLM's integer kernel, nor here.
// The state is the variable tensor of input #4; eval writes it in place (the interpreter gives it its own slot).
#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/kernels/svdf_operands.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {
namespace {

struct SvdfInt8Params : SvdfSizes {
  bool state16 = false;  // int16 time weights and state
  int32_t input_zp = 0, state_zp = 0, output_zp = 0;
  fxp::QuantizedMultiplier feature_scale, output_scale;
  std::vector<int32_t> bias;  // [units], empty when absent
};

template <class T>
void svdf(const SvdfInt8Params& p, const int8_t* input, const int8_t* w_feature, const T* w_time, T* state,
          int8_t* output, int32_t* scratch) {
  const int64_t state_size = int64_t{p.batches} * p.filters * p.memory;
  std::copy(state + 1, state + state_size, state);  // 1. shift left by one element
  constexpr int32_t kStateMin = std::numeric_limits<T>::min(), kStateMax = std::numeric_limits<T>::max();
  for (int b = 0; b < p.batches; ++b) {
    const int8_t* x = input + int64_t{b} * p.input_size;
    T* s = state + int64_t{b} * p.filters * p.memory;
    for (int f = 0; f < p.filters; ++f) {  // 2. feature matmul into the newest column
      const int8_t* w = w_feature + int64_t{f} * p.input_size;
      int32_t dot = 0;
      for (int c = 0; c < p.input_size; ++c) dot += int32_t{w[c]} * (int32_t{x[c]} - p.input_zp);
      dot = fxp::multiply_by_quantized_multiplier(dot, p.feature_scale.multiplier, p.feature_scale.shift);
      // The zero point goes in before the clamp (TFLM), so the sum cannot wrap when narrowed to T.
      s[int64_t{f} * p.memory + p.memory - 1] = static_cast<T>(fxp::clamp(dot + p.state_zp, kStateMin, kStateMax));
    }
    for (int f = 0; f < p.filters; ++f) {  // 3. time weights
      const T* w = w_time + int64_t{f} * p.memory;
      const T* m = s + int64_t{f} * p.memory;
      int32_t dot = 0;
      for (int j = 0; j < p.memory; ++j) dot += int32_t{w[j]} * (int32_t{m[j]} - p.state_zp);
      scratch[f] = dot;
    }
    for (int u = 0; u < p.units; ++u) {  // 4. reduce over rank, bias, rescale
      int32_t acc = p.bias.empty() ? 0 : p.bias[static_cast<size_t>(u)];
      for (int r = 0; r < p.rank; ++r) acc += scratch[u * p.rank + r];
      const int32_t v = fxp::multiply_by_quantized_multiplier(acc, p.output_scale.multiplier, p.output_scale.shift) +
                        p.output_zp;
      output[int64_t{b} * p.units + u] = static_cast<int8_t>(fxp::clamp(v, -128, 127));
    }
  }
}

class SvdfInt8 final : public Kernel {
 public:
  explicit SvdfInt8(SvdfInt8Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const int8_t*>(io.inputs[0]);
    const auto* wf = reinterpret_cast<const int8_t*>(io.inputs[1]);
    auto* out = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* scratch = reinterpret_cast<int32_t*>(io.scratch.data());
    uint8_t* state = const_cast<uint8_t*>(io.inputs[4]);  // the variable tensor: this op's state, written in place
    if (p_.state16)
      svdf(p_, x, wf, reinterpret_cast<const int16_t*>(io.inputs[2]), reinterpret_cast<int16_t*>(state), out, scratch);
    else
      svdf(p_, x, wf, reinterpret_cast<const int8_t*>(io.inputs[2]), reinterpret_cast<int8_t*>(state), out, scratch);
  }
  size_t scratch_bytes() const override { return static_cast<size_t>(p_.filters) * sizeof(int32_t); }

 private:
  SvdfInt8Params p_;
};

}  // namespace

KernelResult make_svdf_int8(const Graph& g, int op_index) {
  auto t = svdf_operands(g, op_index);
  if (!t) return t.take_error();
  if (t->input->dtype != DType::Int8 || t->output->dtype != DType::Int8 || t->weights_feature->dtype != DType::Int8 ||
      (t->weights_time->dtype != DType::Int8 && t->weights_time->dtype != DType::Int16) ||
      t->state->dtype != t->weights_time->dtype || (t->bias && t->bias->dtype != DType::Int32))
    return unsupported_dtypes(g, op_index, "integer SVDF needs int8 input, output and feature weights, int8 or int16 "
                                           "time weights and state of one dtype, an int32 bias; got");
  SvdfInt8Params p;
  static_cast<SvdfSizes&>(p) = t->sizes;
  p.state16 = t->state->dtype == DType::Int16;
  auto qi = per_tensor_quant(g, op_index, t->input);
  auto qf = per_tensor_quant(g, op_index, t->weights_feature);
  auto qt = per_tensor_quant(g, op_index, t->weights_time);
  auto qs = per_tensor_quant(g, op_index, t->state);
  auto qo = per_tensor_quant(g, op_index, t->output);
  for (auto* q : {&qi, &qf, &qt, &qs, &qo})
    if (!*q) return q->take_error();
  p.input_zp = qi->zero_point, p.state_zp = qs->zero_point, p.output_zp = qo->zero_point;
  // TFLM multiplies the scales in float and only then widens to double.
  p.feature_scale = fxp::quantize_multiplier(static_cast<double>(qi->scale * qf->scale / qs->scale));
  p.output_scale = fxp::quantize_multiplier(static_cast<double>(qs->scale * qt->scale / qo->scale));
  if (p.feature_scale.shift > 30 || p.output_scale.shift > 30)
    return bad_op(g, op_index, t->state, "rescale factor is too large");
  if (t->bias) {
    auto b = known_input(g, op_index, 3, "bias");
    if (!b) return b.take_error();
    p.bias.resize(static_cast<size_t>(p.units));
    std::memcpy(p.bias.data(), b->data(), std::min(b->size(), p.bias.size() * sizeof(int32_t)));
  }
  return std::unique_ptr<Kernel>(std::make_unique<SvdfInt8>(std::move(p)));
}

}  // namespace tinyopt
