// runtime/kernels/transpose_conv_geometry.cc: prepare_transpose_conv_geometry (see the header).
#include "runtime/kernels/transpose_conv_geometry.h"

#include "ir/window_geometry.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

Expected<TransposeConvGeometry> prepare_transpose_conv_geometry(const Graph& g, int op_index) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  const Tensor* filter = op_input(g, op_index, 1);
  const Tensor* in = op_input(g, op_index, 2);
  const Tensor* out = op_output(g, op_index, 0);
  if (!filter || !in || !out) return bad_op(g, op_index, nullptr, "TRANSPOSE_CONV needs weights, input and output");
  if (filter->shape.size() != 4 || in->shape.size() != 4 || out->shape.size() != 4)
    return bad_op(g, op_index, in, "TRANSPOSE_CONV needs 4-D weights, input and output");
  const TransposeConvOptions o = std::holds_alternative<TransposeConvOptions>(op.options)
                                     ? op.opts<TransposeConvOptions>() : TransposeConvOptions{};
  TransposeConvGeometry p;
  p.batches = in->shape[0], p.in_h = in->shape[1], p.in_w = in->shape[2], p.in_c = in->shape[3];
  p.out_c = filter->shape[0], p.filter_h = filter->shape[1], p.filter_w = filter->shape[2];
  p.out_h = out->shape[1], p.out_w = out->shape[2];
  if (filter->shape[3] != p.in_c || out->shape[3] != p.out_c || out->shape[0] != p.batches)
    return bad_op(g, op_index, filter, "weights, input and output shapes of TRANSPOSE_CONV do not agree");
  if (o.stride_h < 1 || o.stride_w < 1) return bad_op(g, op_index, nullptr, "strides must be >= 1");
  p.stride_h = o.stride_h, p.stride_w = o.stride_w;
  // TFLite pads a transposed convolution as the convolution it inverts: the padding of a conv whose input is
  // this op's output (dilation 1), leading part only.
  p.pad_h = window_padding_before(o.padding, p.out_h, p.filter_h, p.stride_h, 1);
  p.pad_w = window_padding_before(o.padding, p.out_w, p.filter_w, p.stride_w, 1);
  return p;
}

}  // namespace tinyopt
