// formats/tflite/op_mapping.cc: builtin operator codes and options tables <-> OpKind and OpOptions.
//
// The enum values of TFLite's Padding (SAME=0, VALID=1) and ActivationFunctionType (NONE=0 ... SIGN_BIT=5) are
// in the same order as ir/op_options.h's Padding and Activation, so conversions are range-checked casts.
#include "formats/tflite/op_mapping.h"

#include <array>

namespace tinyopt::tflite_format {
namespace {

using tflite::BuiltinOperator;
using tflite::BuiltinOptions;

struct KindCode {
  OpKind kind;
  BuiltinOperator code;
};

constexpr std::array<KindCode, kNumOpKinds> kKindCodes = {{
    {OpKind::Conv2D, BuiltinOperator::CONV_2D},
    {OpKind::DepthwiseConv2D, BuiltinOperator::DEPTHWISE_CONV_2D},
    {OpKind::FullyConnected, BuiltinOperator::FULLY_CONNECTED},
    {OpKind::Add, BuiltinOperator::ADD},
    {OpKind::Sub, BuiltinOperator::SUB},
    {OpKind::Mul, BuiltinOperator::MUL},
    {OpKind::AveragePool2D, BuiltinOperator::AVERAGE_POOL_2D},
    {OpKind::MaxPool2D, BuiltinOperator::MAX_POOL_2D},
    {OpKind::Mean, BuiltinOperator::MEAN},
    {OpKind::Reshape, BuiltinOperator::RESHAPE},
    {OpKind::Squeeze, BuiltinOperator::SQUEEZE},
    {OpKind::Softmax, BuiltinOperator::SOFTMAX},
    {OpKind::Logistic, BuiltinOperator::LOGISTIC},
    {OpKind::Tanh, BuiltinOperator::TANH},
    {OpKind::Relu, BuiltinOperator::RELU},
    {OpKind::Relu6, BuiltinOperator::RELU6},
    {OpKind::LeakyRelu, BuiltinOperator::LEAKY_RELU},
    {OpKind::HardSwish, BuiltinOperator::HARD_SWISH},
    {OpKind::Pad, BuiltinOperator::PAD},
    {OpKind::Concatenation, BuiltinOperator::CONCATENATION},
    {OpKind::Transpose, BuiltinOperator::TRANSPOSE},
    {OpKind::StridedSlice, BuiltinOperator::STRIDED_SLICE},
    {OpKind::Quantize, BuiltinOperator::QUANTIZE},
    {OpKind::Dequantize, BuiltinOperator::DEQUANTIZE},
    {OpKind::TransposeConv, BuiltinOperator::TRANSPOSE_CONV},
    {OpKind::Svdf, BuiltinOperator::SVDF},
    {OpKind::SequenceLstm, BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM},
    {OpKind::Decode, BuiltinOperator::CUSTOM},  // custom code "TFLM_DECODE" (kDecodeCustomCode)
}};

// The options table TFLite stores for each kind (NONE: the op has no options table).
BuiltinOptions options_type_of(OpKind kind) {
  switch (kind) {
    case OpKind::Conv2D: return BuiltinOptions::Conv2DOptions;
    case OpKind::DepthwiseConv2D: return BuiltinOptions::DepthwiseConv2DOptions;
    case OpKind::FullyConnected: return BuiltinOptions::FullyConnectedOptions;
    case OpKind::Add: return BuiltinOptions::AddOptions;
    case OpKind::Sub: return BuiltinOptions::SubOptions;
    case OpKind::Mul: return BuiltinOptions::MulOptions;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return BuiltinOptions::Pool2DOptions;
    case OpKind::Mean: return BuiltinOptions::ReducerOptions;
    case OpKind::Reshape: return BuiltinOptions::ReshapeOptions;
    case OpKind::Squeeze: return BuiltinOptions::SqueezeOptions;
    case OpKind::Softmax: return BuiltinOptions::SoftmaxOptions;
    case OpKind::LeakyRelu: return BuiltinOptions::LeakyReluOptions;
    case OpKind::HardSwish: return BuiltinOptions::HardSwishOptions;
    case OpKind::Pad: return BuiltinOptions::PadOptions;
    case OpKind::Concatenation: return BuiltinOptions::ConcatenationOptions;
    case OpKind::Transpose: return BuiltinOptions::TransposeOptions;
    case OpKind::StridedSlice: return BuiltinOptions::StridedSliceOptions;
    case OpKind::Quantize: return BuiltinOptions::QuantizeOptions;
    case OpKind::Dequantize: return BuiltinOptions::DequantizeOptions;
    case OpKind::TransposeConv: return BuiltinOptions::TransposeConvOptions;
    case OpKind::Svdf: return BuiltinOptions::SVDFOptions;
    case OpKind::SequenceLstm: return BuiltinOptions::UnidirectionalSequenceLSTMOptions;
    case OpKind::Logistic:
    case OpKind::Tanh:
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Decode: return BuiltinOptions::NONE;  // TFLM_DECODE has no custom options either
  }
  return BuiltinOptions::NONE;
}

std::string options_name(BuiltinOptions t) {
  const char* name = tflite::EnumNameBuiltinOptions(t);
  return name && *name ? name : "options type " + std::to_string(static_cast<int>(t));
}

Expected<Activation> activation(tflite::ActivationFunctionType a, const Location& where) {
  auto v = static_cast<int>(a);
  if (v < 0 || v > static_cast<int>(Activation::SignBit))
    return fail(Errc::BadInput, where, "fused activation function {} is not a valid ActivationFunctionType", v);
  return static_cast<Activation>(v);
}

Expected<Padding> padding(tflite::Padding p, const Location& where) {
  auto v = static_cast<int>(p);
  if (v < 0 || v > 1) return fail(Errc::BadInput, where, "padding {} is neither SAME (0) nor VALID (1)", v);
  return static_cast<Padding>(v);
}

// Strides, dilations and filter sizes divide or multiply output sizes: they must be >= 1.
Expected<void> at_least_one(int32_t value, const char* field, const Location& where) {
  if (value < 1) return fail(Errc::BadInput, where, "option {} is {} (must be >= 1)", field, value);
  return {};
}

std::vector<int32_t> ints(const flatbuffers::Vector<int32_t>* v) {
  return v ? std::vector<int32_t>(v->begin(), v->end()) : std::vector<int32_t>{};
}

Expected<OpOptions> read_conv(const tflite::Conv2DOptions& o, const Location& where) {
  Conv2DOptions r;
  auto pad = padding(o.padding(), where);
  if (!pad) return pad.take_error();
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  r = {.padding = *pad, .stride_w = o.stride_w(), .stride_h = o.stride_h(), .activation = *act,
       .dilation_w = o.dilation_w_factor(), .dilation_h = o.dilation_h_factor()};
  for (auto [v, name] : {std::pair{r.stride_w, "stride_w"}, {r.stride_h, "stride_h"},
                         {r.dilation_w, "dilation_w_factor"}, {r.dilation_h, "dilation_h_factor"}})
    if (auto ok = at_least_one(v, name, where); !ok) return ok.take_error();
  return OpOptions{r};
}

Expected<OpOptions> read_depthwise(const tflite::DepthwiseConv2DOptions& o, const Location& where) {
  auto pad = padding(o.padding(), where);
  if (!pad) return pad.take_error();
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  DepthwiseConv2DOptions r{.padding = *pad, .stride_w = o.stride_w(), .stride_h = o.stride_h(),
                           .depth_multiplier = o.depth_multiplier(), .activation = *act,
                           .dilation_w = o.dilation_w_factor(), .dilation_h = o.dilation_h_factor()};
  for (auto [v, name] : {std::pair{r.stride_w, "stride_w"}, {r.stride_h, "stride_h"},
                         {r.dilation_w, "dilation_w_factor"}, {r.dilation_h, "dilation_h_factor"}})
    if (auto ok = at_least_one(v, name, where); !ok) return ok.take_error();
  return OpOptions{r};
}

Expected<OpOptions> read_pool(const tflite::Pool2DOptions& o, const Location& where) {
  auto pad = padding(o.padding(), where);
  if (!pad) return pad.take_error();
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  Pool2DOptions r{.padding = *pad, .stride_w = o.stride_w(), .stride_h = o.stride_h(),
                  .filter_w = o.filter_width(), .filter_h = o.filter_height(), .activation = *act};
  for (auto [v, name] : {std::pair{r.stride_w, "stride_w"}, {r.stride_h, "stride_h"},
                         {r.filter_w, "filter_width"}, {r.filter_h, "filter_height"}})
    if (auto ok = at_least_one(v, name, where); !ok) return ok.take_error();
  return OpOptions{r};
}

Expected<OpOptions> read_fully_connected(const tflite::FullyConnectedOptions& o, const Location& where) {
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  if (o.weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
    return fail(Errc::Unsupported, where, "weights format {} is not supported (only DEFAULT)",
                static_cast<int>(o.weights_format()));
  return OpOptions{FullyConnectedOptions{.activation = *act, .keep_num_dims = o.keep_num_dims(),
                                         .asymmetric_quantize_inputs = o.asymmetric_quantize_inputs()}};
}

template <class Table>
Expected<OpOptions> read_elementwise(const Table& o, bool pot_scale_int16, const Location& where) {
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  return OpOptions{ElementwiseOptions{.activation = *act, .pot_scale_int16 = pot_scale_int16}};
}

Expected<OpOptions> read_transpose_conv(const tflite::TransposeConvOptions& o, const Location& where) {
  auto pad = padding(o.padding(), where);
  if (!pad) return pad.take_error();
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  TransposeConvOptions r{.padding = *pad, .stride_w = o.stride_w(), .stride_h = o.stride_h(), .activation = *act};
  for (auto [v, name] : {std::pair{r.stride_w, "stride_w"}, {r.stride_h, "stride_h"}})
    if (auto ok = at_least_one(v, name, where); !ok) return ok.take_error();
  return OpOptions{r};
}

Expected<OpOptions> read_svdf(const tflite::SVDFOptions& o, const Location& where) {
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  if (auto ok = at_least_one(o.rank(), "rank", where); !ok) return ok.take_error();
  return OpOptions{SvdfOptions{.rank = o.rank(), .activation = *act,
                               .asymmetric_quantize_inputs = o.asymmetric_quantize_inputs()}};
}

Expected<OpOptions> read_sequence_lstm(const tflite::UnidirectionalSequenceLSTMOptions& o, const Location& where) {
  auto act = activation(o.fused_activation_function(), where);
  if (!act) return act.take_error();
  if (!(o.cell_clip() >= 0.0f) || !(o.proj_clip() >= 0.0f))
    return fail(Errc::BadInput, where, "cell_clip {} / proj_clip {} must be >= 0", o.cell_clip(), o.proj_clip());
  return OpOptions{SequenceLstmOptions{.activation = *act, .cell_clip = o.cell_clip(), .proj_clip = o.proj_clip(),
                                       .time_major = o.time_major(),
                                       .asymmetric_quantize_inputs = o.asymmetric_quantize_inputs(),
                                       .diagonal_recurrent_tensors = o.diagonal_recurrent_tensors()}};
}

// IR defaults for a kind whose options table is absent from the file.
OpOptions default_options(OpKind kind) {
  switch (kind) {
    case OpKind::Conv2D: return Conv2DOptions{};
    case OpKind::DepthwiseConv2D: return DepthwiseConv2DOptions{};
    case OpKind::FullyConnected: return FullyConnectedOptions{};
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul: return ElementwiseOptions{};
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return Pool2DOptions{};
    case OpKind::Mean: return ReducerOptions{};
    case OpKind::Reshape: return ReshapeOptions{};
    case OpKind::Squeeze: return SqueezeOptions{};
    case OpKind::Softmax: return SoftmaxOptions{};
    case OpKind::LeakyRelu: return LeakyReluOptions{};
    case OpKind::Concatenation: return ConcatenationOptions{};
    case OpKind::StridedSlice: return StridedSliceOptions{};
    case OpKind::TransposeConv: return TransposeConvOptions{};
    case OpKind::Svdf: return SvdfOptions{};
    case OpKind::SequenceLstm: return SequenceLstmOptions{};
    default: return std::monostate{};
  }
}

}  // namespace

std::optional<OpKind> kind_from_builtin(int32_t builtin_code) {
  // CUSTOM is not one kind: custom ops are told apart by their custom code (kind_from_custom).
  if (builtin_code == static_cast<int32_t>(BuiltinOperator::CUSTOM)) return std::nullopt;
  for (const KindCode& kc : kKindCodes)
    if (static_cast<int32_t>(kc.code) == builtin_code) return kc.kind;
  return std::nullopt;
}

BuiltinOperator builtin_from_kind(OpKind kind) { return kKindCodes[static_cast<size_t>(kind)].code; }

std::optional<OpKind> kind_from_custom(std::string_view custom_code) {
  if (custom_code == kDecodeCustomCode) return OpKind::Decode;
  return std::nullopt;
}

std::string_view custom_code_of(OpKind kind) { return kind == OpKind::Decode ? kDecodeCustomCode : std::string_view(); }

std::string builtin_name(int32_t builtin_code) {
  const char* name = tflite::EnumNameBuiltinOperator(static_cast<BuiltinOperator>(builtin_code));
  if (name && *name) return name;
  return "BUILTIN_" + std::to_string(builtin_code);
}

Expected<OpOptions> read_op_options(OpKind kind, const tflite::Operator& op, const Location& where) {
  const BuiltinOptions expected = options_type_of(kind);
  const BuiltinOptions stored = op.builtin_options_type();
  if (stored == BuiltinOptions::NONE || op.builtin_options() == nullptr) return default_options(kind);
  if (stored != expected) {
    if (expected == BuiltinOptions::NONE) return default_options(kind);  // stray options on RELU etc.: ignored
    return fail(Errc::BadInput, where, "builtin options are {}, expected {}", options_name(stored),
                options_name(expected));
  }
  switch (kind) {
    case OpKind::Conv2D: return read_conv(*op.builtin_options_as_Conv2DOptions(), where);
    case OpKind::DepthwiseConv2D: return read_depthwise(*op.builtin_options_as_DepthwiseConv2DOptions(), where);
    case OpKind::FullyConnected: return read_fully_connected(*op.builtin_options_as_FullyConnectedOptions(), where);
    case OpKind::Add: {
      const auto& o = *op.builtin_options_as_AddOptions();
      return read_elementwise(o, o.pot_scale_int16(), where);
    }
    case OpKind::Sub: {
      const auto& o = *op.builtin_options_as_SubOptions();
      return read_elementwise(o, o.pot_scale_int16(), where);
    }
    case OpKind::Mul: return read_elementwise(*op.builtin_options_as_MulOptions(), true, where);
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return read_pool(*op.builtin_options_as_Pool2DOptions(), where);
    case OpKind::Mean: return OpOptions{ReducerOptions{.keep_dims = op.builtin_options_as_ReducerOptions()->keep_dims()}};
    case OpKind::Reshape: return OpOptions{ReshapeOptions{.new_shape = ints(op.builtin_options_as_ReshapeOptions()->new_shape())}};
    case OpKind::Squeeze:
      return OpOptions{SqueezeOptions{.squeeze_dims = ints(op.builtin_options_as_SqueezeOptions()->squeeze_dims())}};
    case OpKind::Softmax: return OpOptions{SoftmaxOptions{.beta = op.builtin_options_as_SoftmaxOptions()->beta()}};
    case OpKind::LeakyRelu:
      return OpOptions{LeakyReluOptions{.alpha = op.builtin_options_as_LeakyReluOptions()->alpha()}};
    case OpKind::Concatenation: {
      const auto& o = *op.builtin_options_as_ConcatenationOptions();
      auto act = activation(o.fused_activation_function(), where);
      if (!act) return act.take_error();
      return OpOptions{ConcatenationOptions{.axis = o.axis(), .activation = *act}};
    }
    case OpKind::StridedSlice: {
      const auto& o = *op.builtin_options_as_StridedSliceOptions();
      return OpOptions{StridedSliceOptions{.begin_mask = o.begin_mask(), .end_mask = o.end_mask(),
                                           .ellipsis_mask = o.ellipsis_mask(), .new_axis_mask = o.new_axis_mask(),
                                           .shrink_axis_mask = o.shrink_axis_mask(), .offset = o.offset()}};
    }
    case OpKind::TransposeConv: return read_transpose_conv(*op.builtin_options_as_TransposeConvOptions(), where);
    case OpKind::Svdf: return read_svdf(*op.builtin_options_as_SVDFOptions(), where);
    case OpKind::SequenceLstm:
      return read_sequence_lstm(*op.builtin_options_as_UnidirectionalSequenceLSTMOptions(), where);
    default: return default_options(kind);  // PAD, TRANSPOSE, QUANTIZE, ...: empty tables
  }
}

std::pair<BuiltinOptions, flatbuffers::Offset<void>> write_op_options(flatbuffers::FlatBufferBuilder& fbb,
                                                                      const Op& op) {
  const OpOptions& o = op.options;
  const OpOptions defaults = default_options(op.kind);
  // Options of the wrong type (a bug in a pass) are replaced by the kind's defaults rather than mis-written.
  const OpOptions& opts = o.index() == defaults.index() ? o : defaults;
  auto act = [](Activation a) { return static_cast<tflite::ActivationFunctionType>(a); };
  auto pad = [](Padding p) { return static_cast<tflite::Padding>(p); };
  const BuiltinOptions type = options_type_of(op.kind);
  flatbuffers::Offset<void> table;
  switch (op.kind) {
    case OpKind::Conv2D: {
      const auto& c = std::get<Conv2DOptions>(opts);
      table = tflite::CreateConv2DOptions(fbb, pad(c.padding), c.stride_w, c.stride_h, act(c.activation),
                                          c.dilation_w, c.dilation_h).Union();
      break;
    }
    case OpKind::DepthwiseConv2D: {
      const auto& c = std::get<DepthwiseConv2DOptions>(opts);
      table = tflite::CreateDepthwiseConv2DOptions(fbb, pad(c.padding), c.stride_w, c.stride_h, c.depth_multiplier,
                                                   act(c.activation), c.dilation_w, c.dilation_h).Union();
      break;
    }
    case OpKind::FullyConnected: {
      const auto& c = std::get<FullyConnectedOptions>(opts);
      table = tflite::CreateFullyConnectedOptions(fbb, act(c.activation),
                                                  tflite::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                  c.keep_num_dims, c.asymmetric_quantize_inputs).Union();
      break;
    }
    case OpKind::Add: {
      const auto& c = std::get<ElementwiseOptions>(opts);
      table = tflite::CreateAddOptions(fbb, act(c.activation), c.pot_scale_int16).Union();
      break;
    }
    case OpKind::Sub: {
      const auto& c = std::get<ElementwiseOptions>(opts);
      table = tflite::CreateSubOptions(fbb, act(c.activation), c.pot_scale_int16).Union();
      break;
    }
    case OpKind::Mul:
      table = tflite::CreateMulOptions(fbb, act(std::get<ElementwiseOptions>(opts).activation)).Union();
      break;
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
      const auto& c = std::get<Pool2DOptions>(opts);
      table = tflite::CreatePool2DOptions(fbb, pad(c.padding), c.stride_w, c.stride_h, c.filter_w, c.filter_h,
                                          act(c.activation)).Union();
      break;
    }
    case OpKind::Mean:
      table = tflite::CreateReducerOptions(fbb, std::get<ReducerOptions>(opts).keep_dims).Union();
      break;
    case OpKind::Reshape: {
      const auto& shape = std::get<ReshapeOptions>(opts).new_shape;
      table = tflite::CreateReshapeOptions(fbb, shape.empty() ? 0 : fbb.CreateVector(shape)).Union();
      break;
    }
    case OpKind::Squeeze: {
      const auto& dims = std::get<SqueezeOptions>(opts).squeeze_dims;
      table = tflite::CreateSqueezeOptions(fbb, dims.empty() ? 0 : fbb.CreateVector(dims)).Union();
      break;
    }
    case OpKind::Softmax:
      table = tflite::CreateSoftmaxOptions(fbb, std::get<SoftmaxOptions>(opts).beta).Union();
      break;
    case OpKind::LeakyRelu:
      table = tflite::CreateLeakyReluOptions(fbb, std::get<LeakyReluOptions>(opts).alpha).Union();
      break;
    case OpKind::Concatenation: {
      const auto& c = std::get<ConcatenationOptions>(opts);
      table = tflite::CreateConcatenationOptions(fbb, c.axis, act(c.activation)).Union();
      break;
    }
    case OpKind::StridedSlice: {
      const auto& c = std::get<StridedSliceOptions>(opts);
      table = tflite::CreateStridedSliceOptions(fbb, c.begin_mask, c.end_mask, c.ellipsis_mask, c.new_axis_mask,
                                                c.shrink_axis_mask, c.offset).Union();
      break;
    }
    case OpKind::TransposeConv: {
      const auto& c = std::get<TransposeConvOptions>(opts);
      table = tflite::CreateTransposeConvOptions(fbb, pad(c.padding), c.stride_w, c.stride_h, act(c.activation)).Union();
      break;
    }
    case OpKind::Svdf: {
      const auto& c = std::get<SvdfOptions>(opts);
      table = tflite::CreateSVDFOptions(fbb, c.rank, act(c.activation), c.asymmetric_quantize_inputs).Union();
      break;
    }
    case OpKind::SequenceLstm: {
      const auto& c = std::get<SequenceLstmOptions>(opts);
      table = tflite::CreateUnidirectionalSequenceLSTMOptions(fbb, act(c.activation), c.cell_clip, c.proj_clip,
                                                              c.time_major, c.asymmetric_quantize_inputs,
                                                              c.diagonal_recurrent_tensors).Union();
      break;
    }
    case OpKind::HardSwish: table = tflite::CreateHardSwishOptions(fbb).Union(); break;
    case OpKind::Pad: table = tflite::CreatePadOptions(fbb).Union(); break;
    case OpKind::Transpose: table = tflite::CreateTransposeOptions(fbb).Union(); break;
    case OpKind::Quantize: table = tflite::CreateQuantizeOptions(fbb).Union(); break;
    case OpKind::Dequantize: table = tflite::CreateDequantizeOptions(fbb).Union(); break;
    case OpKind::Logistic:
    case OpKind::Tanh:
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::Decode: break;
  }
  return {type, table};
}

}  // namespace tinyopt::tflite_format
