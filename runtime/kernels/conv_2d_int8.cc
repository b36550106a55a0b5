// runtime/kernels/conv_2d_int8.cc: CONV_2D with int8 activations (or int16, "16x8") and int8 weights,
// per-channel or per-tensor: the reference kernel, a direct loop as TFLM's reference ConvPerChannel, plus the
// prepare step shared with the fast kernel. Padded taps are skipped (they contribute nothing), dilation and
// grouped convolution (filter depth < input depth) follow TFLM.
#include "runtime/kernels/conv_2d_int8.h"

#include <algorithm>

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

Expected<ConvInt8Params> prepare_conv_2d_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  auto t = conv_operands(g, op_index, "CONV_2D");
  if (!t) return t.take_error();
  const Shape& x = t->in->shape;
  const Shape& f = t->filter->shape;  // [out_c, filter_h, filter_w, filter_in_c]
  const auto& o = op.opts<Conv2DOptions>();
  ConvInt8Params p;
  p.int16 = t->int16;
  p.out_c = f[0];
  p.filter_h = f[1];
  p.filter_w = f[2];
  p.filter_in_c = f[3];
  if (p.filter_in_c <= 0 || x[3] % p.filter_in_c != 0)
    return bad_op(g, op_index, t->filter, "input depth is not a multiple of the filter depth");
  p.groups = x[3] / p.filter_in_c;
  if (p.out_c % p.groups != 0) return bad_op(g, op_index, t->filter, "output channels not divisible by groups");
  const ConvPrepareSpec spec{.window = {o.padding, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w},
                              .filter_h = p.filter_h, .filter_w = p.filter_w, .out_c = p.out_c,
                              .activation = o.activation, .what = "convolution",
                              .int16_zero_point_error = "16x8 CONV_2D needs zero points of 0 (symmetric int16 activations)"};
  if (auto ok = prepare_conv_window_and_stage(g, op_index, *t, spec, p, p); !ok) return ok.take_error();
  return p;
}

namespace {

template <class T>
void conv_reference(const ConvInt8Params& p, const T* input, const int8_t* filter, T* output) {
  const int out_c_per_group = p.out_c / p.groups;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int oc = 0; oc < p.out_c; ++oc) {
          const int group = oc / out_c_per_group;
          const int in_y0 = oy * p.stride_h - p.pad_h;
          const int in_x0 = ox * p.stride_w - p.pad_w;
          int64_t acc = 0;  // int8: fits int32 exactly; 16x8: TFLM accumulates in int64
          for (int fy = 0; fy < p.filter_h; ++fy) {
            const int iy = in_y0 + p.dilation_h * fy;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int fx = 0; fx < p.filter_w; ++fx) {
              const int ix = in_x0 + p.dilation_w * fx;
              if (ix < 0 || ix >= p.in_w) continue;
              const T* in_px = input + ((static_cast<long>(b) * p.in_h + iy) * p.in_w + ix) * p.in_c +
                               group * p.filter_in_c;
              const int8_t* f = filter + ((static_cast<long>(oc) * p.filter_h + fy) * p.filter_w + fx) * p.filter_in_c;
              for (int ic = 0; ic < p.filter_in_c; ++ic)
                acc += int64_t{f[ic]} * (int64_t{in_px[ic]} + p.input_offset);
            }
          }
          if (!p.bias.empty()) acc += p.bias[static_cast<size_t>(oc)];
          int32_t v;
          if (p.int16) {
            v = fxp::multiply_by_quantized_multiplier(acc, p.multiplier[static_cast<size_t>(oc)],
                                                      p.shift[static_cast<size_t>(oc)]);
          } else {
            v = fxp::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), p.multiplier[static_cast<size_t>(oc)],
                                                      p.shift[static_cast<size_t>(oc)]);
          }
          v = fxp::clamp(v + p.output_offset, p.act_min, p.act_max);
          output[((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] = static_cast<T>(v);
        }
}

class Conv2DInt8Reference final : public Kernel {
 public:
  explicit Conv2DInt8Reference(ConvInt8Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const auto* filter = reinterpret_cast<const int8_t*>(io.inputs[1]);
    if (p_.int16)
      conv_reference(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), filter, reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      conv_reference(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), filter, reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  ConvInt8Params p_;
};

}  // namespace

KernelResult make_conv_2d_int8_reference(const Graph& g, int op_index) {
  auto p = prepare_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<Conv2DInt8Reference>(std::move(*p)));
}

}  // namespace tinyopt
