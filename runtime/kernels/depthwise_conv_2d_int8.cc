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
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* filter = op_input(g, op_index, 1);
  const Tensor* bias = op_input(g, op_index, 2);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !filter || !out)
    return bad_op(g, op_index, nullptr, "DEPTHWISE_CONV_2D needs input, filter and output tensors");
  const bool int16 = in->dtype == DType::Int16;
  if ((in->dtype != DType::Int8 && !int16) || filter->dtype != DType::Int8 || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer DEPTHWISE_CONV_2D kernel for");
  if (in->shape.size() != 4 || filter->shape.size() != 4 || out->shape.size() != 4)
    return bad_op(g, op_index, in, "DEPTHWISE_CONV_2D needs 4-D input, filter and output");
  if (!filter->is_constant) return bad_op(g, op_index, filter, "filter must be constant");
  const auto& o = op.opts<DepthwiseConv2DOptions>();
  DepthwiseInt8Params p;
  p.int16 = int16;
  p.batches = in->shape[0];
  p.in_h = in->shape[1];
  p.in_w = in->shape[2];
  p.in_c = in->shape[3];
  p.filter_h = filter->shape[1];
  p.filter_w = filter->shape[2];
  p.out_c = filter->shape[3];
  if (p.in_c <= 0 || p.out_c % p.in_c != 0)
    return bad_op(g, op_index, filter, "filter channels are not a multiple of the input channels");
  p.depth_multiplier = p.out_c / p.in_c;  // TFLM derives it from the shapes, not the (optional) option
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.dilation_h = o.dilation_h;
  p.dilation_w = o.dilation_w;
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.dilation_h <= 0 || p.dilation_w <= 0)
    return bad_op(g, op_index, nullptr, "strides and dilations must be positive");
  const WindowDim ph = window_dim(o.padding, p.in_h, p.filter_h, p.stride_h, p.dilation_h);
  const WindowDim pw = window_dim(o.padding, p.in_w, p.filter_w, p.stride_w, p.dilation_w);
  p.pad_h = ph.pad_before;
  p.pad_w = pw.pad_before;
  p.out_h = out->shape[1];
  p.out_w = out->shape[2];
  if (p.out_h != ph.out || p.out_w != pw.out || out->shape[3] != p.out_c || out->shape[0] != p.batches)
    return bad_op(g, op_index, out, "output shape does not match the depthwise convolution");
  auto stage = prepare_conv_output_stage(g, op_index, in, *filter, bias, out, p.out_c, o.activation, int16,
                                         "16x8 DEPTHWISE_CONV_2D needs zero points of 0");
  if (!stage) return stage.take_error();
  p.input_offset = stage->input_offset;
  p.output_offset = stage->output_offset;
  p.act_min = stage->act_min;
  p.act_max = stage->act_max;
  p.multiplier = std::move(stage->multiplier);
  p.shift = std::move(stage->shift);
  p.bias = std::move(stage->bias);
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
