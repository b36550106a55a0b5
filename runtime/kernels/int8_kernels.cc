// runtime/kernels/int8_kernels.cc: the explicit list of integer kernels (int8, and int16 "16x8"), TFLite Micro
// reference semantics. Keyed by (op kind, dtype of the op's first input), see runtime/kernel.h. Where a fast
// variant exists it is the one registered; its factory falls back to the reference loop for cases it does not
// cover. QUANTIZE from float is the float family's; here QUANTIZE means int8/int16 requantization.
// TRANSPOSE and STRIDED_SLICE move bytes only, so the dtype-agnostic kernels of the float family serve them.
#include "runtime/kernels/int8_kernels.h"

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

void register_int8_kernels(KernelRegistry& r) {
  for (DType t : {DType::Int8, DType::Int16}) {
    r.add(OpKind::Add, t, make_add_int8);
    r.add(OpKind::AveragePool2D, t, make_average_pool_2d_int8);
    r.add(OpKind::Concatenation, t, make_concatenation_int8);
    r.add(OpKind::Conv2D, t, make_conv_2d_int8);
    r.add(OpKind::DepthwiseConv2D, t, make_depthwise_conv_2d_int8);
    r.add(OpKind::Dequantize, t, make_dequantize_int8);
    r.add(OpKind::FullyConnected, t, make_fully_connected_int8);
    r.add(OpKind::LeakyRelu, t, make_leaky_relu_int8);
    r.add(OpKind::MaxPool2D, t, make_max_pool_2d_int8);
    r.add(OpKind::Mean, t, make_mean_int8);
    r.add(OpKind::Mul, t, make_mul_int8);
    r.add(OpKind::Pad, t, make_pad_int8);
    r.add(OpKind::Quantize, t, make_quantize_int8);
    r.add(OpKind::Relu, t, make_relu_int8);
    r.add(OpKind::Reshape, t, make_reshape_int8);
    r.add(OpKind::Squeeze, t, make_reshape_int8);
    r.add(OpKind::StridedSlice, t, make_strided_slice_any);
    r.add(OpKind::Sub, t, make_add_int8);
    r.add(OpKind::Transpose, t, make_transpose_any);
  }
  // SOFTMAX, LOGISTIC and TANH take int16 too (TFLM's table-based int16 paths, in the same files).
  for (DType t : {DType::Int8, DType::Int16}) {
    r.add(OpKind::Logistic, t, make_logistic_int8);
    r.add(OpKind::Softmax, t, make_softmax_int8);
    r.add(OpKind::Tanh, t, make_tanh_int8);
  }
  // int8 only (TFLM's int16 HARD_SWISH uses lookup tables not implemented here).
  r.add(OpKind::HardSwish, DType::Int8, make_hard_swish_int8);
  r.add(OpKind::Relu6, DType::Int8, make_relu_int8);
  // SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM: int8 activations only (TFLM's integer kernels).
  r.add(OpKind::Svdf, DType::Int8, make_svdf_int8);
  r.add(OpKind::SequenceLstm, DType::Int8, make_sequence_lstm_int8);
  // QUANTIZE int32 -> int8/int16 (TFLM requantizes int32 too).
  r.add(OpKind::Quantize, DType::Int32, make_quantize_int8);
  // TRANSPOSE_CONV is keyed by input #0, its int32 output shape; the factory dispatches on the data input's dtype
  // (float32, int8 or int16).
  r.add(OpKind::TransposeConv, DType::Int32, make_transpose_conv);
  // TFLM_DECODE is keyed by its encoded input, always uint8; it decodes into any type (int8 weights, int32 bias).
  r.add(OpKind::Decode, DType::UInt8, make_decode);
}

}  // namespace tinyopt
