// ir/op_traits.cc: the per-kind table of op_traits.h, the fused-activation accessor and the arity check.
#include "ir/op_traits.h"

#include <array>
#include <string>

namespace tinyopt {
namespace {

using R = ChannelRule;

// Weighted ops: weights input 1, optional bias input 2 (TFLite's operand order).
constexpr OpTraits weighted(int axis, ChannelRule rule) {
  return {.fused_activation = true, .weights_input = 1, .bias_input = 2, .weight_channel_axis = axis,
          .channel_rule = rule, .min_inputs = 2, .max_inputs = 3, .required_inputs = 2};
}
// ADD, SUB, MUL: two operands, neither optional.
constexpr OpTraits binary() {
  return {.fused_activation = true, .channel_rule = R::Coupled, .min_inputs = 2, .max_inputs = 2, .required_inputs = 2};
}
constexpr OpTraits pool() { return {.fused_activation = true, .shares_input_quant = true, .channel_rule = R::Elementwise}; }
constexpr OpTraits elementwise() { return {.channel_rule = R::Elementwise}; }
// A data input plus `n` required index inputs (axes, paddings, perm, begin/end/strides).
constexpr OpTraits indexed(size_t n, bool shares_quant, ChannelRule rule) {
  return {.first_index_input = 1, .shares_input_quant = shares_quant, .channel_rule = rule,
          .min_inputs = 1 + n, .max_inputs = 1 + n, .required_inputs = 1 + n};
}
// The most inputs a CONCATENATION may have (a bound on malformed models, not a TFLite limit).
constexpr size_t kMaxConcatInputs = 1024;

// One entry per OpKind, in the enum's order.
constexpr std::array<OpTraits, kNumOpKinds> kTraits = {{
    /* CONV_2D */ weighted(0, R::Consumes),
    /* DEPTHWISE_CONV_2D */ weighted(3, R::Depthwise),
    /* FULLY_CONNECTED */ weighted(0, R::Consumes),
    /* ADD */ binary(),
    /* SUB */ binary(),
    /* MUL */ binary(),
    /* AVERAGE_POOL_2D */ pool(),
    /* MAX_POOL_2D */ pool(),
    /* MEAN */ indexed(1, false, R::Elementwise),
    // RESHAPE: the new shape comes from input 1 when present, else from the options.
    /* RESHAPE */ {.first_index_input = 1, .shares_input_quant = true, .channel_rule = R::Elementwise,
                   .min_inputs = 1, .max_inputs = 2, .required_inputs = 1},
    /* SQUEEZE */ {.shares_input_quant = true, .channel_rule = R::Elementwise},
    /* SOFTMAX */ {.channel_rule = R::Blocks},  // normalises over the channel axis: every channel moves the others
    /* LOGISTIC */ elementwise(),
    /* TANH */ elementwise(),
    /* RELU */ elementwise(),
    /* RELU6 */ elementwise(),
    /* LEAKY_RELU */ elementwise(),
    /* HARD_SWISH */ elementwise(),
    /* PAD */ indexed(1, true, R::Elementwise),
    /* CONCATENATION */ {.fused_activation = true, .shares_input_quant = true, .channel_rule = R::Concatenation,
                         .min_inputs = 1, .max_inputs = kMaxConcatInputs, .required_inputs = kMaxConcatInputs},
    /* TRANSPOSE */ indexed(1, true, R::Blocks),
    /* STRIDED_SLICE */ indexed(3, true, R::Elementwise),
    /* QUANTIZE */ elementwise(),
    /* DEQUANTIZE */ elementwise(),
    // TRANSPOSE_CONV: (output shape, weights [O,H,W,I], input, optional bias). The weights are not marked as
    // `weights_input`, so passes written for CONV_2D-like weights (prune, equalize) leave the op alone.
    /* TRANSPOSE_CONV */ {.channel_rule = R::Blocks, .min_inputs = 3, .max_inputs = 4, .required_inputs = 3},
    // SVDF: (input, weights_feature, weights_time, optional bias, activation state); the kernel checks the state.
    /* SVDF */ {.channel_rule = R::Blocks, .min_inputs = 5, .max_inputs = 5, .required_inputs = 3},
    // UNIDIRECTIONAL_SEQUENCE_LSTM: TFLite's 24 operands (20 in old files; many optional); the kernels check
    // which are present.
    /* UNIDIRECTIONAL_SEQUENCE_LSTM */ {.channel_rule = R::Blocks, .min_inputs = 20, .max_inputs = 24,
                                        .required_inputs = 1},
    // TFLM_DECODE: (encoded, ancillary) pairs with one output each; tinyopt reads one pair per op (the reader
    // splits a multi-pair DECODE).
    /* TFLM_DECODE */ {.channel_rule = R::Blocks, .min_inputs = 2, .max_inputs = 2, .required_inputs = 2},
}};

}  // namespace

const OpTraits& op_traits(OpKind k) { return kTraits[static_cast<size_t>(k)]; }

Activation* fused_activation(Op& op) {
  if (!op_traits(op.kind).fused_activation) return nullptr;
  if (auto* o = std::get_if<Conv2DOptions>(&op.options)) return &o->activation;
  if (auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options)) return &o->activation;
  if (auto* o = std::get_if<FullyConnectedOptions>(&op.options)) return &o->activation;
  if (auto* o = std::get_if<Pool2DOptions>(&op.options)) return &o->activation;
  if (auto* o = std::get_if<ElementwiseOptions>(&op.options)) return &o->activation;
  if (auto* o = std::get_if<ConcatenationOptions>(&op.options)) return &o->activation;
  return nullptr;
}

const Activation* fused_activation(const Op& op) { return fused_activation(const_cast<Op&>(op)); }

Expected<void> check_op_arity(const Graph& g, int op_index) {
  if (op_index < 0 || static_cast<size_t>(op_index) >= g.ops.size())
    return fail(Errc::Internal, {.file = g.source}, "op index {} is out of range (graph has {} ops)", op_index,
                g.ops.size());
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  auto at = [&](TensorId id = kNoTensor) {
    Location loc = g.where(op_index);
    if (id >= 0 && static_cast<size_t>(id) < g.tensors.size()) loc.tensor = g.tensor(id).name;
    return loc;
  };
  const OpTraits& a = op_traits(op.kind);
  const size_t n = op.inputs.size();
  if (n < a.min_inputs || n > a.max_inputs)
    return fail(Errc::BadInput, at(), "has {} inputs, expected {}", n,
                a.min_inputs == a.max_inputs     ? std::to_string(a.min_inputs)
                : a.max_inputs >= kMaxConcatInputs ? fmt::format("at least {}", a.min_inputs)
                                                   : fmt::format("{} to {}", a.min_inputs, a.max_inputs));
  if (op.outputs.size() != 1) return fail(Errc::BadInput, at(), "has {} outputs, expected 1", op.outputs.size());
  const auto nt = static_cast<TensorId>(g.tensors.size());
  for (size_t i = 0; i < n; ++i) {
    const TensorId id = op.inputs[i];
    if (id == kNoTensor) {
      if (i < a.required_inputs) return fail(Errc::BadInput, at(), "required input #{} is missing", i);
      continue;
    }
    if (id < 0 || id >= nt) return fail(Errc::BadInput, at(), "input #{} refers to tensor {} of {}", i, id, nt);
    if (!checked_num_elements(g.tensor(id).shape))
      return fail(Errc::BadInput, at(id), "invalid shape {}", shape_to_string(g.tensor(id).shape));
  }
  const TensorId out = op.outputs[0];
  if (out < 0 || out >= nt) return fail(Errc::BadInput, at(), "output refers to tensor {} of {}", out, nt);
  return {};
}

}  // namespace tinyopt
