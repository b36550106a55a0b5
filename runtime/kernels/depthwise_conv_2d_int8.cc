// runtime/kernels/depthwise_conv_2d_int8.cc: DEPTHWISE_CONV_2D with int8 (or int16 "16x8") activations and int8
// weights: prepare (shared with the fast kernel) and the reference loop of TFLM's DepthwiseConvPerChannel.
// Output channel oc = ic * depth_multiplier + m reads input channel ic and filter channel oc.
#include "runtime/kernels/depthwise_conv_2d_int8.h"

#include "runtime/fixed_point.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

Expected<DepthwiseInt8Params> prepare_depthwise_conv_2d_int8(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  auto t = conv_operands(g, op_index, "DEPTHWISE_CONV_2D");
  if (!t) return t.take_error();
  const Shape& x = t->in->shape;
  const Shape& f = t->filter->shape;  // [1, filter_h, filter_w, out_c]
  const auto& o = op.opts<DepthwiseConv2DOptions>();
  DepthwiseInt8Params p;
  p.int16 = t->int16;
  p.filter_h = f[1];
  p.filter_w = f[2];
  p.out_c = f[3];
  if (x[3] <= 0 || p.out_c % x[3] != 0)
    return bad_op(g, op_index, t->filter, "filter channels are not a multiple of the input channels");
  p.depth_multiplier = p.out_c / x[3];  // TFLM derives it from the shapes, not the (optional) option
  const ConvPrepareSpec spec{.window = {o.padding, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w},
                              .filter_h = p.filter_h, .filter_w = p.filter_w, .out_c = p.out_c,
                              .activation = o.activation, .what = "depthwise convolution",
                              .int16_zero_point_error = "16x8 DEPTHWISE_CONV_2D needs zero points of 0"};
  if (auto ok = prepare_conv_window_and_stage(g, op_index, *t, spec, p, p); !ok) return ok.take_error();
  return p;
}

namespace {

template <class T>
void depthwise_reference(const DepthwiseInt8Params& p, const T* input, const int8_t* filter, T* output) {
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int ic = 0; ic < p.in_c; ++ic)
          for (int m = 0; m < p.depth_multiplier; ++m) {
            const int oc = ic * p.depth_multiplier + m;
            const int iy0 = oy * p.stride_h - p.pad_h;
            const int ix0 = ox * p.stride_w - p.pad_w;
            int64_t acc = 0;
            for (int fy = 0; fy < p.filter_h; ++fy) {
              const int iy = iy0 + p.dilation_h * fy;
              if (iy < 0 || iy >= p.in_h) continue;
              for (int fx = 0; fx < p.filter_w; ++fx) {
                const int ix = ix0 + p.dilation_w * fx;
                if (ix < 0 || ix >= p.in_w) continue;
                const int64_t x = input[((static_cast<long>(b) * p.in_h + iy) * p.in_w + ix) * p.in_c + ic];
                const int64_t w = filter[(static_cast<long>(fy) * p.filter_w + fx) * p.out_c + oc];
                acc += w * (x + p.input_offset);
              }
            }
            if (!p.bias.empty()) acc += p.bias[static_cast<size_t>(oc)];
            const size_t c = static_cast<size_t>(oc);
            int32_t v = p.int16 ? fxp::multiply_by_quantized_multiplier(acc, p.multiplier[c], p.shift[c])
                                : fxp::multiply_by_quantized_multiplier(static_cast<int32_t>(acc), p.multiplier[c], p.shift[c]);
            v = fxp::clamp(v + p.output_offset, p.act_min, p.act_max);
            output[((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * p.out_c + oc] = static_cast<T>(v);
          }
}

class DepthwiseInt8Reference final : public Kernel {
 public:
  explicit DepthwiseInt8Reference(DepthwiseInt8Params p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const auto* filter = reinterpret_cast<const int8_t*>(io.inputs[1]);
    if (p_.int16)
      depthwise_reference(p_, reinterpret_cast<const int16_t*>(io.inputs[0]), filter,
                          reinterpret_cast<int16_t*>(io.outputs[0]));
    else
      depthwise_reference(p_, reinterpret_cast<const int8_t*>(io.inputs[0]), filter,
                          reinterpret_cast<int8_t*>(io.outputs[0]));
  }

 private:
  DepthwiseInt8Params p_;
};

}  // namespace

KernelResult make_depthwise_conv_2d_int8_reference(const Graph& g, int op_index) {
  auto p = prepare_depthwise_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  return std::unique_ptr<Kernel>(std::make_unique<DepthwiseInt8Reference>(std::move(*p)));
}

}  // namespace tinyopt
