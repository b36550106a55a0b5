// runtime/kernels/add_int8.cc: ADD and SUB with int8 or int16 operands (TFLM's general rescaling path), with
// broadcasting and fused activation. Both inputs are shifted left by 20 (int16: 15) bits, rescaled to twice the
// larger input scale with multipliers < 1, added (or subtracted), and rescaled to the output.
// TFLM computes ADD's real multipliers in double and SUB's in float (twice_max_input_scale is a float there).
// int8 operands of one shape (resnet's residual ADDs) take a faster path with the same arithmetic: each input's
// rescaled value depends only on its int8 value, so both are read from 256-entry tables built in prepare, and
// the output stage is the vectorised per-channel requantization (runtime/quantized_requantize.h) with every
// "channel" given the output multiplier; for shift <= 0 its multiply_by_quantized_multiplier is exactly the
// smaller-than-one form used here.
#include <algorithm>

#include "runtime/broadcast_index.h"
#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

namespace tinyopt {

namespace {

struct AddParams {
  bool subtract = false, int16 = false;
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int left_shift = 20;
  fxp::QuantizedMultiplier input1, input2, output;
  int32_t act_min = 0, act_max = 0;
  BroadcastMap map;
};

// Elements per output-stage call of the fast path; the per-"channel" arrays hold this many copies.
constexpr int kChunk = 256;

struct AddInt8Tables {
  std::vector<int32_t> in1, in2;  // [256]: rescaled (x + offset) << 20 for x = -128..127 (in2 negated for SUB)
  std::vector<int32_t> zero, multiplier, shift;  // [kChunk] each: the output stage as per-channel arrays
};

template <class T>
void add_eval(const AddParams& p, const T* a, const T* b, T* out) {
  for_each_broadcast(p.map, [&](int64_t ia, int64_t ib, int64_t io) {
    const int32_t x1 = fxp::shift_left_wrapping(p.input1_offset + a[ia], p.left_shift);
    const int32_t x2 = fxp::shift_left_wrapping(p.input2_offset + b[ib], p.left_shift);
    const int32_t s1 = fxp::multiply_by_quantized_multiplier_smaller_than_one(x1, p.input1.multiplier, p.input1.shift);
    const int32_t s2 = fxp::multiply_by_quantized_multiplier_smaller_than_one(x2, p.input2.multiplier, p.input2.shift);
    const int32_t raw = p.subtract ? s1 - s2 : s1 + s2;
    const int32_t v = fxp::multiply_by_quantized_multiplier_smaller_than_one(raw, p.output.multiplier, p.output.shift) +
                      p.output_offset;
    out[io] = static_cast<T>(fxp::clamp(v, p.act_min, p.act_max));
  });
}

class AddInt8 final : public Kernel {
 public:
  explicit AddInt8(AddParams p) : p_(std::move(p)) {
    fast_ = !p_.int16 && p_.map.same && p_.output.shift <= 0;
    if (!fast_) return;
    t_.in1.resize(256);
    t_.in2.resize(256);
    for (int x = -128; x < 128; ++x) {
      const size_t i = static_cast<size_t>(x + 128);
      t_.in1[i] = fxp::multiply_by_quantized_multiplier_smaller_than_one(
          fxp::shift_left_wrapping(p_.input1_offset + x, p_.left_shift), p_.input1.multiplier, p_.input1.shift);
      const int32_t s2 = fxp::multiply_by_quantized_multiplier_smaller_than_one(
          fxp::shift_left_wrapping(p_.input2_offset + x, p_.left_shift), p_.input2.multiplier, p_.input2.shift);
      t_.in2[i] = p_.subtract ? -s2 : s2;  // |s2| < 2^31: negation is exact
    }
    t_.zero.assign(kChunk, 0);
    t_.multiplier.assign(kChunk, p_.output.multiplier);
    t_.shift.assign(kChunk, p_.output.shift);
  }

  size_t scratch_bytes() const override { return fast_ ? kChunk * sizeof(int32_t) : 0; }

  void eval(const OpBuffers& io) const override {
    if (fast_)
      add_same_shape_int8(reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<const int8_t*>(io.inputs[1]),
                          reinterpret_cast<int8_t*>(io.outputs[0]), reinterpret_cast<int32_t*>(io.scratch.data()));
    else if (p_.int16)
      add_eval(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), reinterpret_cast<const int16_t*>(io.inputs[1]),
               reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      add_eval(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), reinterpret_cast<const int8_t*>(io.inputs[1]),
               reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  void add_same_shape_int8(const int8_t* a, const int8_t* b, int8_t* out, int32_t* raw) const {
    const int32_t* t1 = t_.in1.data() + 128;
    const int32_t* t2 = t_.in2.data() + 128;
    for (int64_t start = 0; start < p_.map.size; start += kChunk) {
      const int n = static_cast<int>(std::min<int64_t>(kChunk, p_.map.size - start));
      // s1 + s2 (SUB: s1 - s2) wraps in int32 as the reference's does.
      for (int i = 0; i < n; ++i)
        raw[i] = static_cast<int32_t>(static_cast<uint32_t>(t1[a[start + i]]) + static_cast<uint32_t>(t2[b[start + i]]));
      const RequantizeChannels q{t_.zero.data(), t_.multiplier.data(), t_.shift.data(), n, p_.output_offset,
                                 p_.act_min, p_.act_max};
      requantize_rows(isa_, q, raw, 1, out + start);
    }
  }

  AddParams p_;
  bool fast_ = false;
  Isa isa_ = active_isa();  // the ISA active when prepared (requantization loops)
  AddInt8Tables t_;
};

}  // namespace

KernelResult make_add_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* a = op_input(g, op_index, 0);
  const Tensor* b = op_input(g, op_index, 1);
  const Tensor* out = op_output(g, op_index, 0);
  if (!a || !b || !out) return bad_op(g, op_index, nullptr, "needs two inputs and an output");
  const DType t = a->dtype;
  if ((t != DType::Int8 && t != DType::Int16) || b->dtype != t || out->dtype != t)
    return unsupported_dtypes(g, op_index, "no integer ADD/SUB kernel for");
  AddParams p;
  p.subtract = op.kind == OpKind::Sub;
  p.int16 = t == DType::Int16;
  auto q1 = per_tensor_quant(g, op_index, a);
  if (!q1) return q1.take_error();
  auto q2 = per_tensor_quant(g, op_index, b);
  if (!q2) return q2.take_error();
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  auto map = make_broadcast_map(a->shape, b->shape, out->shape);
  if (!map) return bad_op(g, op_index, out, "input shapes do not broadcast to the output shape");
  p.map = std::move(*map);
  p.input1_offset = -q1->zero_point;
  p.input2_offset = -q2->zero_point;
  p.output_offset = qo->zero_point;
  p.left_shift = p.int16 ? 15 : 20;
  double m1, m2, mo;
  if (p.subtract) {
    const float twice_max = 2 * std::max(q1->scale, q2->scale);
    m1 = static_cast<double>(q1->scale / twice_max);
    m2 = static_cast<double>(q2->scale / twice_max);
    mo = static_cast<double>(twice_max / (static_cast<float>(1 << p.left_shift) * qo->scale));
  } else {
    const double twice_max = 2 * static_cast<double>(std::max(q1->scale, q2->scale));
    m1 = static_cast<double>(q1->scale) / twice_max;
    m2 = static_cast<double>(q2->scale) / twice_max;
    mo = twice_max / ((1 << p.left_shift) * static_cast<double>(qo->scale));
  }
  if (!(mo < 1.0)) return bad_op(g, op_index, out, "output scale too small for the integer ADD/SUB rescaling");
  p.input1 = fxp::quantize_multiplier_smaller_than_one(m1);
  p.input2 = fxp::quantize_multiplier_smaller_than_one(m2);
  p.output = fxp::quantize_multiplier_smaller_than_one(mo);
  const auto* eo = std::get_if<ElementwiseOptions>(&op.options);
  std::tie(p.act_min, p.act_max) = activation_range(eo ? eo->activation : Activation::None, t, *qo);
  return std::unique_ptr<Kernel>(std::make_unique<AddInt8>(std::move(p)));
}

}  // namespace tinyopt
