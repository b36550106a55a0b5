// reports/tflm_kernel_data.cc: per-kernel allocations of TFLite Micro, see tflm_kernel_data.h.
//
// Verified against the golden arena figures (../shared/golden): CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
// AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX, ADD and TFLM_DECODE (LUT) with reference kernels. The others are read from the kernel
// sources and marked `exact = false`.
#include "reports/tflm_kernel_data.h"

namespace tinyopt {
namespace {


// C struct layout helper: appends fields with their natural alignment, then pads to the struct alignment.
struct Layout {
  size_t size = 0, align = 1;
  Layout& field(size_t bytes, size_t alignment) {
    size = align_up(size, alignment) + bytes;
    if (alignment > align) align = alignment;
    return *this;
  }
  Layout& ints(int n) { for (int i = 0; i < n; ++i) field(4, 4); return *this; }
  Layout& ptrs(int n, int p) { for (int i = 0; i < n; ++i) field(p, p); return *this; }
  size_t bytes() const { return align_up(size, align); }
};

// OpDataConv (kernels/conv.h), shared by CONV_2D and DEPTHWISE_CONV_2D: TfLitePaddingValues (4 ints), three zero
// points, multiplier, shift, two per-channel pointers, activation min/max, filter_buffer_index.
size_t op_data_conv(int p) { return Layout{}.ints(4).ints(3).ints(2).ptrs(2, p).ints(2).ints(1).bytes(); }
// OpDataFullyConnected (kernels/fully_connected.h): eight int32 fields, filter_buffer_index, two per-channel
// pointers, is_per_channel.
size_t op_data_fc(int p) { return Layout{}.ints(8).ints(1).ptrs(2, p).field(1, 1).bytes(); }
// SoftmaxParams (kernels/internal/types.h): double beta; input multiplier and shift, reverse-scaling divisor and
// shift, diff_min, zero point, scale; five table pointers.
size_t softmax_params(int p) { return Layout{}.field(8, 8).ints(7).ptrs(5, p).bytes(); }

// ConvParams (kernels/internal/types.h): padding type (uint8), PaddingValues (4 int16), three offsets, multiplier,
// shift, four int16 strides/dilations, two int32 and two float activation bounds.
size_t conv_params() { return Layout{}.field(1, 1).field(8, 2).ints(5).field(8, 2).ints(4).bytes(); }
// FullyConnectedParams: nine int32/float fields, two cacheable flags, a uint8 weights format.
size_t fully_connected_params() { return Layout{}.ints(9).field(1, 1).field(1, 1).field(1, 1).bytes(); }
// ArithmeticParams: broadcast category (uint8), ten int32 offsets/multipliers/shifts, int32 and float activation
// bounds, int64 bounds, int16 bounds, broadcast_shape[5].
size_t arithmetic_params() {
  return Layout{}.field(1, 1).ints(10).ints(2).ints(2).field(8, 8).field(8, 8).field(2, 2).field(2, 2).ints(5).bytes();
}
// OpDataLSTM (kernels/lstm_shared.h): LstmSizeInfo {bool, 4 ints}, CellStateInfo {float, int16, int32}, the cell
// gate activation, 4 GateParameters (2 FullyConnectedParams each), InterGateParameters (3 ArithmeticParams), four
// scratch buffer indices.
size_t op_data_lstm() {
  Layout l;
  l.field(Layout{}.field(1, 1).ints(4).bytes(), 4);
  l.field(Layout{}.ints(1).field(2, 2).ints(1).bytes(), 4);
  l.ints(1);
  for (int i = 0; i < 8; ++i) l.field(fully_connected_params(), 4);
  for (int i = 0; i < 3; ++i) l.field(arithmetic_params(), 8);
  return l.ints(4).bytes();
}

int dim(const Tensor& t, int i) {
  if (i < 0) i += static_cast<int>(t.shape.size());
  return i >= 0 && i < static_cast<int>(t.shape.size()) ? t.shape[static_cast<size_t>(i)] : 1;
}

bool is_cmsis(KernelFamily k) {
  return k == KernelFamily::CmsisNnScalar || k == KernelFamily::CmsisNnDsp || k == KernelFamily::CmsisNnMve;
}

}  // namespace

TflmKernelData tflm_kernel_data(const Graph& g, int op_index, int p, KernelFamily kernels) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  auto tensor = [&](TensorId id) -> const Tensor* {
    return id >= 0 && static_cast<size_t>(id) < g.tensors.size() ? &g.tensor(id) : nullptr;
  };
  const Tensor* in = tensor(op.input(0));
  const Tensor* w = tensor(op.input(1));
  const Tensor* out = op.outputs.empty() ? nullptr : tensor(op.outputs[0]);
  const bool int8 = in && in->dtype == DType::Int8;
  TflmKernelData d;
  switch (op.kind) {
    case OpKind::Conv2D: {
      d.builtin_bytes = 28;  // TfLiteConvParams: padding, strides, activation, dilations, quantized_bias_type
      d.init_buffers = {op_data_conv(p)};
      const size_t channels = w ? static_cast<size_t>(dim(*w, 0)) : 0;  // weights [OC, KH, KW, IC]
      d.prepare_buffers = {channels * 4, channels * 4};  // per-channel multiplier and shift (always allocated)
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) {
        d.init_buffers[0] = align_up(d.init_buffers[0] + 4, static_cast<size_t>(p));  // + buffer_idx
        d.exact = false;
        if (int8 && w && in) {
          const auto& o = op.opts<Conv2DOptions>();
          const size_t kh = dim(*w, 1), kw = dim(*w, 2), ic = dim(*w, 3);
          // A 1x1 kernel at stride 1 has zero padding under SAME and VALID alike.
          const bool one_by_one = kh == 1 && kw == 1 && o.stride_h == 1 && o.stride_w == 1;
          // arm_convolve_s8_get_buffer_size: im2col of two output pixels as int16 (DSP), a column of int8
          // rounded to 16 per 4 pixels (MVE); the 1x1 fast path needs none.
          if (!one_by_one) {
            if (kernels == KernelFamily::CmsisNnMve) d.scratch_buffers.push_back(4 * align_up(kh * kw * ic, 16));
            else if (kernels != KernelFamily::CmsisNnScalar) d.scratch_buffers.push_back(2 * 2 * kh * kw * ic);
          }
        }
      }
      break;
    }
    case OpKind::DepthwiseConv2D: {
      d.builtin_bytes = 28;  // TfLiteDepthwiseConvParams
      d.init_buffers = {op_data_conv(p)};
      const size_t channels = w ? static_cast<size_t>(dim(*w, 3)) : 0;  // weights [1, KH, KW, OC]
      d.prepare_buffers = {channels * 4, channels * 4};
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) {
        d.init_buffers[0] = align_up(d.init_buffers[0] + 4, static_cast<size_t>(p));
        d.exact = false;
        if (int8 && w) {
          const auto& o = op.opts<DepthwiseConv2DOptions>();
          const size_t kh = dim(*w, 1), kw = dim(*w, 2), ic = in ? dim(*in, 3) : channels;
          const bool three_by_three = kh == 3 && kw == 3 && o.depth_multiplier == 1 && o.dilation_h == 1 &&
                                      o.dilation_w == 1;
          // arm_depthwise_conv_wrapper_s8_get_buffer_size: the 3x3 path needs none; the generic optimized path
          // an int16 im2col of one output pixel (DSP) or 4 x 16 channels x kernel (MVE).
          if (kernels == KernelFamily::CmsisNnMve) d.scratch_buffers.push_back(4 * 16 * kh * kw);
          else if (kernels != KernelFamily::CmsisNnScalar && !three_by_three && o.depth_multiplier == 1)
            d.scratch_buffers.push_back(2 * ic * kh * kw);
        }
      }
      break;
    }
    case OpKind::FullyConnected: {
      d.builtin_bytes = 16;  // TfLiteFullyConnectedParams
      d.init_buffers = {op_data_fc(p)};
      if (w && w->quant && w->quant->per_channel()) {
        const size_t units = static_cast<size_t>(dim(*w, 0));
        d.prepare_buffers = {units * 4, units * 4};
        d.exact = false;
      }
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) {
        d.init_buffers[0] = align_up(d.init_buffers[0] + 8, static_cast<size_t>(p));
        d.exact = false;
        // CMSIS-NN with MVE keeps per-unit kernel sums in a scratch buffer.
        if (kernels == KernelFamily::CmsisNnMve && w) d.scratch_buffers.push_back(4 * static_cast<size_t>(dim(*w, 0)));
      }
      break;
    }
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D:
      d.builtin_bytes = 40;      // TfLitePoolParams incl. computed padding
      d.init_buffers = {32};     // OpDataPooling: padding values, int32 and float activation ranges
      if (op.kind == OpKind::AveragePool2D && int8 && in &&
          (kernels == KernelFamily::CmsisNnDsp || kernels == KernelFamily::EspNn)) {
        d.scratch_buffers.push_back(4 * static_cast<size_t>(dim(*in, 3)));  // arm_avgpool_s8: int32 per channel
        d.exact = false;
      }
      break;
    case OpKind::Softmax:
      d.builtin_bytes = 4;  // TfLiteSoftmaxParams {beta}
      d.init_buffers = {softmax_params(p)};
      break;
    case OpKind::Reshape:
      d.builtin_bytes = 36;  // TfLiteReshapeParams {shape[8], num_dimensions}; the kernel keeps no data
      break;
    case OpKind::Squeeze:
      d.builtin_bytes = 36;  // TfLiteSqueezeParams {squeeze_dims[8], num_squeeze_dims}
      d.exact = false;
      break;
    case OpKind::Add:
    case OpKind::Sub:
      d.builtin_bytes = 8;   // TfLiteAddParams / TfLiteSubParams {activation, pot_scale_int16}
      d.init_buffers = {60};  // OpDataAdd / OpDataSub: bool + 14 int32/float fields
      d.exact = op.kind == OpKind::Add;
      break;
    case OpKind::Mul:
      d.builtin_bytes = 4;
      d.init_buffers = {36};  // OpDataMul
      d.exact = false;
      break;
    case OpKind::Mean: {
      d.builtin_bytes = 1;  // TfLiteReducerParams {keep_dims}
      d.builtin_align = 1;
      d.init_buffers = {40};  // OpDataReduce
      if (out && (int8 || (in && in->dtype == DType::Int16)))
        d.scratch_buffers.push_back(4 * static_cast<size_t>(out->num_elements()));  // int32 accumulators
      d.exact = false;
      break;
    }
    case OpKind::Concatenation:
      d.builtin_bytes = 8;  // TfLiteConcatenationParams
      d.init_buffers = {Layout{}.field(1, 1).ptrs(2, p).field(2, 2).ints(2).bytes()};  // ConcatenationParams
      d.exact = false;
      break;
    case OpKind::StridedSlice:
      d.builtin_bytes = 24;  // TfLiteStridedSliceParams: five masks + offset
      d.init_buffers = {Layout{}.field(1, 1).ints(5).field(1, 1).ints(5).field(1, 1).ints(5).field(2, 2).field(2, 2)
                            .field(2, 2).field(2, 2).field(2, 2).field(1, 1).bytes()};  // StridedSliceParams
      d.exact = false;
      break;
    case OpKind::Pad:
      d.init_buffers = {Layout{}.field(1, 1).ints(5).field(1, 1).ints(5).ints(1).ints(1).bytes()};  // PadParams + zp
      d.exact = false;
      break;
    case OpKind::LeakyRelu:
      d.builtin_bytes = 4;
      d.init_buffers = {24};  // LeakyReluOpData: zero points, alpha and identity multipliers/shifts
      d.exact = false;
      break;
    case OpKind::Logistic:
    case OpKind::Tanh:
      d.init_buffers = {16};  // OpDataLogistic / OpDataTanh: zero point, range radius, multiplier, shift
      d.exact = false;
      break;
    case OpKind::Relu:
    case OpKind::Relu6:
      d.init_buffers = {op.kind == OpKind::Relu ? size_t{24} : size_t{8}};  // ReluOpData / Relu6OpData
      d.exact = false;
      break;
    case OpKind::HardSwish:
      d.init_buffers = {24};  // HardSwishParams
      d.exact = false;
      break;
    case OpKind::Quantize:
    case OpKind::Dequantize:
      d.init_buffers = {32};  // OpDataQuantizeReference / DequantizeOpData: double scale + int32 fields
      d.exact = false;
      break;
    case OpKind::Transpose:
      d.exact = false;  // no options, no OpData
      break;
    case OpKind::TransposeConv: {
      // kernels/transpose_conv.cc: TfLiteTransposeConvParams (padding, strides, activation, quantized_bias_type);
      // OpData = ConvParams + scratch and bias-conversion buffer indices + two per-channel pointers; Prepare
      // allocates per-channel multiplier and shift arrays (filter dimension 0) for every dtype, and an int32
      // (int8) or int64 (16x8) accumulator scratch of the output's size; a 16x8 op with an int16 bias also a
      // scratch for the bias widened to int64.
      d.builtin_bytes = 20;
      d.init_buffers = {Layout{}.field(conv_params(), 4).ints(2).ptrs(2, p).bytes()};
      const size_t channels = w ? static_cast<size_t>(dim(*w, 0)) : 0;  // weights [OC, KH, KW, IC]
      d.prepare_buffers = {channels * 4, channels * 4};
      const Tensor* x = tensor(op.input(2));
      const Tensor* bias = tensor(op.input(3));
      const size_t out_elems = out ? static_cast<size_t>(out->num_elements()) : 0;
      if (x && x->dtype == DType::Int8) d.scratch_buffers.push_back(out_elems * 4);
      if (x && x->dtype == DType::Int16) {
        d.scratch_buffers.push_back(out_elems * 8);
        if (bias && bias->dtype == DType::Int16) d.scratch_buffers.push_back(static_cast<size_t>(bias->num_elements()) * 8);
      }
      d.exact = !(x && x->dtype == DType::Float32);  // 16x8 verified (seanet golden); float read from the sources
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) d.exact = false;
      break;
    }
    case OpKind::Svdf: {
      // kernels/svdf_common.cc PrepareSvdf: TfLiteSVDFParams {rank, activation, asymmetric flag}; OpDataSvdf (nine
      // int32 fields); scratch: batch x filters int32 (float: float) and, for int8, batch x units int32.
      d.builtin_bytes = 12;
      d.init_buffers = {36};
      const size_t batch = in ? static_cast<size_t>(dim(*in, 0)) : 1;
      const size_t filters = w ? static_cast<size_t>(dim(*w, 0)) : 0;
      const auto* o = std::get_if<SvdfOptions>(&op.options);
      const size_t rank = o && o->rank > 0 ? static_cast<size_t>(o->rank) : 1;
      d.scratch_buffers.push_back(batch * filters * 4);
      if (int8) d.scratch_buffers.push_back(batch * (filters / rank) * 4);
      d.exact = int8;  // int8 verified (keyword_scrambled golden)
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) d.exact = false;
      break;
    }
    case OpKind::SequenceLstm: {
      // kernels/unidirectional_sequence_lstm.cc: TfLiteUnidirectionalSequenceLSTMParams (activation, two clips,
      // three flags); OpDataLSTM; four scratch buffers of batch x cells cell-state elements (int16 for int8
      // activations, float for float).
      d.builtin_bytes = 16;
      d.init_buffers = {op_data_lstm()};
      const Tensor* cell = tensor(op.input(19));
      const size_t cell_elems = cell ? static_cast<size_t>(cell->num_elements()) : 0;
      const size_t cell_bytes = cell ? dtype_size(cell->dtype) : 4;
      for (int i = 0; i < 4; ++i) d.scratch_buffers.push_back(cell_elems * cell_bytes);
      d.exact = int8;  // int8 verified (micro_speech_lstm golden)
      if (is_cmsis(kernels) || kernels == KernelFamily::EspNn) d.exact = false;
      break;
    }
    case OpKind::Decode: {
      // kernels/decode.cc Prepare: an array of one DecodeState* per output, then the DecodeState object
      // (decode_state.cc CreateDecodeStateLUT / ...Prune: placement-new in a persistent buffer); prune also copies
      // per-channel int8 zero points into a persistent buffer. No builtin data, no Init buffer, no scratch.
      // DecodeStateLut: vptr, context, profiler, indices, count, channels, per-channel count, value table
      // (8 pointer-sized fields) + stride, bit width, alternate-axis flag. DecodeStatePrune: 9 pointer-sized
      // fields (+ zero-point pointer) + single zero point + flag.
      const Tensor* anc = w;
      const bool prune = anc && anc->is_constant && !anc->data.empty() && anc->data[0] == 2;
      d.prepare_buffers = {static_cast<size_t>(p),
                           prune ? Layout{}.ptrs(9, p).field(1, 1).field(1, 1).bytes()
                                 : Layout{}.ptrs(8, p).field(1, 1).field(1, 1).field(1, 1).bytes()};
      if (prune && out && out->dtype == DType::Int8 && out->quant && out->quant->scale.size() > 1)
        d.prepare_buffers.push_back(out->quant->scale.size());
      d.exact = !prune;  // LUT verified against TFLM's kws_dscnn_int8_lut4 arena; prune read from the sources
      break;
    }
  }
  return d;
}

}  // namespace tinyopt
