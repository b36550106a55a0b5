// ir/op.cc: names of op kinds, activations and paddings.
#include "ir/op.h"

#include <array>

namespace tinyopt {
namespace {
constexpr std::array<std::string_view, kNumOpKinds> kOpNames = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL", "AVERAGE_POOL_2D", "MAX_POOL_2D",
    "MEAN", "RESHAPE", "SQUEEZE", "SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH",
    "PAD", "CONCATENATION", "TRANSPOSE", "STRIDED_SLICE", "QUANTIZE", "DEQUANTIZE", "TRANSPOSE_CONV", "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM", "TFLM_DECODE",
};
}  // namespace

std::string_view op_kind_name(OpKind k) { return kOpNames[static_cast<size_t>(k)]; }

std::optional<OpKind> op_kind_from_name(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i) if (kOpNames[i] == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "NONE";
    case Activation::Relu: return "RELU";
    case Activation::ReluN1To1: return "RELU_N1_TO_1";
    case Activation::Relu6: return "RELU6";
    case Activation::Tanh: return "TANH";
    case Activation::SignBit: return "SIGN_BIT";
  }
  return "?";
}

const char* padding_name(Padding p) { return p == Padding::Same ? "SAME" : "VALID"; }

}  // namespace tinyopt
