// ir/shape_inference_recurrent.cc: output shapes of TRANSPOSE_CONV, SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM, the
// ops of ir/shape_inference.cc whose inputs are many weight and state tensors.
#include <string>

#include <fmt/ranges.h>

#include "ir/shape_context.h"

namespace tinyopt::shape_detail {

// TRANSPOSE_CONV: the output shape is input 0's constant value (TFLM reads the output tensor's stored shape; a
// computed shape input is accepted when that stored shape is consistent with the weights).
Expected<Shape> transpose_conv_shape(const ShapeContext& c) {
  auto o = options_of<TransposeConvOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 1, 4); !r) return r.take_error();
  if (auto r = need_rank(c, 2, 4); !r) return r.take_error();
  const Shape& w = c.shape(1);  // [out_channels, kh, kw, in_channels]
  const Shape& x = c.shape(2);
  if (w[3] != x[3])
    return fail(Errc::BadInput, c.at_input(1), "filter {} has {} input channels but the input {} has {}",
                shape_to_string(w), w[3], shape_to_string(x), x[3]);
  if (c.has_input(3) && num_elements(c.shape(3)) != w[0])
    return fail(Errc::BadInput, c.at_input(3), "bias has {} elements but the filter has {} output channels",
                num_elements(c.shape(3)), w[0]);
  if (o->stride_h <= 0 || o->stride_w <= 0)
    return fail(Errc::BadInput, c.at(), "strides ({}, {}) must be positive", o->stride_h, o->stride_w);
  Shape out = c.g.tensor(c.op.outputs[0]).shape;
  if (c.in(0).is_constant) {
    auto v = constant_ints(c, 0, "output shape");
    if (!v) return v.take_error();
    out.assign(v->begin(), v->end());
    // Re-batching (train/batching.h) leaves the shape constant with the old batch.
    if (c.lenient_batch && out.size() == 4) out[0] = x[0];
  }
  if (out.size() != 4 || out[0] != x[0] || out[3] != w[0] || out[1] <= 0 || out[2] <= 0)
    return fail(Errc::BadInput, c.at_input(0), "output shape {} does not fit input {} and filter {} (want [{}, H, W, {}])",
                shape_to_string(out), shape_to_string(x), shape_to_string(w), x[0], w[0]);
  return out;
}

// SVDF: input [batch, input_size], weights_feature [filters, input_size], weights_time [filters, memory], state
// [batch, memory * filters]; output [batch, filters / rank].
Expected<Shape> svdf_shape(const ShapeContext& c) {
  auto o = options_of<SvdfOptions>(c);
  if (!o) return o.take_error();
  for (size_t i : {size_t{0}, size_t{1}, size_t{2}})
    if (auto r = need_rank(c, i, 2); !r) return r.take_error();
  if (!c.has_input(4)) return fail(Errc::BadInput, c.at(), "activation state input (#4) is missing");
  const Shape& x = c.shape(0);
  const Shape& wf = c.shape(1);
  const Shape& wt = c.shape(2);
  if (wf[1] != x[1])
    return fail(Errc::BadInput, c.at_input(1), "weights_feature {} does not match input {} (want [filters, {}])",
                shape_to_string(wf), shape_to_string(x), x[1]);
  if (wt[0] != wf[0])
    return fail(Errc::BadInput, c.at_input(2), "weights_time {} does not match {} filters", shape_to_string(wt), wf[0]);
  if (o->rank <= 0 || wf[0] % o->rank != 0)
    return fail(Errc::BadInput, c.at(), "rank {} does not divide the {} filters", o->rank, wf[0]);
  const int32_t units = wf[0] / o->rank;
  if (c.has_input(3) && num_elements(c.shape(3)) != units)
    return fail(Errc::BadInput, c.at_input(3), "bias has {} elements, expected {} (units)", num_elements(c.shape(3)),
                units);
  const Tensor& state = c.in(4);
  if (!state.is_variable)
    return fail(Errc::BadInput, c.at_input(4), "activation state must be a variable tensor");
  if (state.shape != Shape{x[0], wt[1] * wf[0]})
    return fail(Errc::BadInput, c.at_input(4), "activation state {} should be [{}, {}] (batch, memory x filters)",
                shape_to_string(state.shape), x[0], int64_t{wt[1]} * wf[0]);
  return Shape{x[0], units};
}

// UNIDIRECTIONAL_SEQUENCE_LSTM: input [batch, time, in] ([time, batch, in] when time_major), gate weights
// [cell, in] (input) and [cell, out] (recurrent), biases [cell], output state [batch, out], cell state
// [batch, cell]; output [batch, time, out]. Projection and peephole variants are refused by the kernels.
Expected<Shape> sequence_lstm_shape(const ShapeContext& c) {
  auto o = options_of<SequenceLstmOptions>(c);
  if (!o) return o.take_error();
  if (auto r = need_rank(c, 0, 3); !r) return r.take_error();
  const Shape& x = c.shape(0);
  const int32_t batch = o->time_major ? x[1] : x[0];
  const int32_t input_size = x[2];
  static constexpr const char* kNames[] = {"input_to_input_weights", "input_to_forget_weights",
                                           "input_to_cell_weights", "input_to_output_weights",
                                           "recurrent_to_input_weights", "recurrent_to_forget_weights",
                                           "recurrent_to_cell_weights", "recurrent_to_output_weights"};
  for (size_t i : {size_t{2}, size_t{3}, size_t{4}, size_t{6}, size_t{7}, size_t{8}, size_t{18}, size_t{19}})
    if (!c.has_input(i))
      return fail(Errc::BadInput, c.at(), "required input #{} ({}) is missing", i,
                  i == 18 ? "output state" : i == 19 ? "cell state" : kNames[i - 1]);
  if (auto r = need_rank(c, 2, 2); !r) return r.take_error();
  const int32_t cell = c.shape(2)[0];
  if (auto r = need_rank(c, 6, 2); !r) return r.take_error();
  const int32_t out_size = c.shape(6)[1];
  for (size_t i = 1; i <= 8; ++i) {
    if (!c.has_input(i)) continue;
    const Shape want = i <= 4 ? Shape{cell, input_size} : Shape{cell, out_size};
    if (c.shape(i) != want)
      return fail(Errc::BadInput, c.at_input(i), "{} has shape {}, expected {} (gate weights of inconsistent shapes)",
                  kNames[i - 1], shape_to_string(c.shape(i)), shape_to_string(want));
  }
  if (c.has_input(1) != c.has_input(5))
    return fail(Errc::BadInput, c.at(), "input_to_input_weights and recurrent_to_input_weights must both be given "
                                        "or both be absent (CIFG)");
  for (size_t i = 12; i <= 15; ++i)
    if (c.has_input(i) && num_elements(c.shape(i)) != cell)
      return fail(Errc::BadInput, c.at_input(i), "gate bias has {} elements, expected {} (cells)",
                  num_elements(c.shape(i)), cell);
  for (size_t i : {size_t{18}, size_t{19}}) {
    const Tensor& state = c.in(i);
    const int64_t want = int64_t{batch} * (i == 18 ? out_size : cell);
    if (!state.is_variable)
      return fail(Errc::BadInput, c.at_input(i), "{} must be a variable tensor", i == 18 ? "output state" : "cell state");
    if (num_elements(state.shape) != want)
      return fail(Errc::BadInput, c.at_input(i), "{} {} should have {} elements (batch x {})",
                  i == 18 ? "output state" : "cell state", shape_to_string(state.shape), want,
                  i == 18 ? "outputs" : "cells");
  }
  return Shape{x[0], x[1], out_size};  // [batch, time, out], or [time, batch, out] when time_major
}

}  // namespace tinyopt::shape_detail
