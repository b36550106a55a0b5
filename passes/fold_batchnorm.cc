// passes/fold_batchnorm.cc: `fold-batchnorm`: the MUL-by-constant / ADD-by-constant pair an exported batch
// normalisation leaves after a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED is folded into that op's weights
// and bias:  y = (W x + b) * m + a  ==  (W * m) x + (b * m + a), per output channel.
//
// Conditions: the producer has no fused activation (the MUL/ADD's activation moves onto it); each intermediate
// tensor has exactly one reader and is not a graph output; the constant is float32 with 1 or C elements and
// only its last dimension may differ from 1 (a per-channel vector over NHWC's channel axis). SUB by a constant
// folds as ADD of its negation. Weights shared with another op are copied first.
#include <set>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

// The per-channel values of constant `id` broadcast to `channels`, or nullopt when it is not such a constant.
std::optional<std::vector<float>> channel_vector(const Graph& g, TensorId id, int32_t channels) {
  std::optional<std::vector<float>> v = constant_floats(g, id);
  if (!v) return std::nullopt;
  const Shape& s = g.tensor(id).shape;
  for (size_t d = 0; d + 1 < s.size(); ++d) if (s[d] != 1) return std::nullopt;
  if (v->size() == 1) return std::vector<float>(static_cast<size_t>(channels), (*v)[0]);
  if (static_cast<int32_t>(v->size()) != channels) return std::nullopt;
  return v;
}

class FoldBatchnormPass : public Pass {
 public:
  Expected<PassResult> run(Graph& g, PassContext&) override {
    int folded = 0;
    std::set<int> erased;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      int axis = weight_channel_axis(g.ops[i].kind);
      if (axis < 0 || erased.count(static_cast<int>(i))) continue;
      // Fold as many following MUL/ADD/SUB-by-constant ops as there are.
      while (true) {
        Op& prod = g.ops[i];
        const Activation* act = fused_activation(prod);
        if (!act || *act != Activation::None) break;
        const Tensor& w = g.tensor(prod.inputs[1]);
        if (!w.is_constant || w.dtype != DType::Float32) break;
        int32_t channels = w.shape[static_cast<size_t>(axis)];
        std::optional<int> c = single_consumer(g, prod.outputs[0]);
        if (!c || erased.count(*c)) break;
        Op& next = g.ops[static_cast<size_t>(*c)];
        if (next.kind != OpKind::Mul && next.kind != OpKind::Add && next.kind != OpKind::Sub) break;
        if (next.inputs.size() != 2) break;
        size_t other = next.inputs[0] == prod.outputs[0] ? 1 : 0;
        if (next.kind == OpKind::Sub && other != 1) break;  // c - y is not a bias shift
        std::optional<std::vector<float>> k = channel_vector(g, next.inputs[other], channels);
        if (!k) break;
        if (g.tensor(next.outputs[0]).shape != g.tensor(prod.outputs[0]).shape) break;
        Activation next_act = std::get<ElementwiseOptions>(next.options).activation;
        TensorId bias_id = ensure_float_bias(g, static_cast<int>(i));
        Op& p = g.ops[i];  // ensure_float_bias may have added a tensor; ops did not move
        Op& n = g.ops[static_cast<size_t>(*c)];
        if (n.kind == OpKind::Mul) {
          TensorId wid = own_constant_input(g, static_cast<int>(i), 1);  // may add a tensor: take spans after
          scale_output_channels(g.tensor(wid), axis, *k);
          auto bias = g.tensor(bias_id).mutable_values<float>();
          for (size_t ch = 0; ch < bias.size(); ++ch) bias[ch] *= (*k)[ch];
        } else {
          auto bias = g.tensor(bias_id).mutable_values<float>();
          float sign = n.kind == OpKind::Sub ? -1.0f : 1.0f;
          for (size_t ch = 0; ch < bias.size(); ++ch) bias[ch] += sign * (*k)[ch];
        }
        *fused_activation(p) = next_act;
        p.outputs[0] = n.outputs[0];
        erased.insert(*c);
        ++folded;
      }
    }
    erase_ops(g, erased);
    drop_unreferenced_tensors(g);
    PassResult r;
    r.changed = folded > 0;
    r.summary = fmt::format("folded {} MUL/ADD-by-constant ops into conv/FC weights and biases", folded);
    r.counters = {{"folded", folded}};
    return r;
  }
};

}  // namespace

PassInfo fold_batchnorm_pass_info() {
  return pass_info("fold-batchnorm", "Fold per-channel MUL/ADD-by-constant after a conv or FC into its weights and bias.",
                   [] { return std::make_unique<FoldBatchnormPass>(); });
}

}  // namespace tinyopt
