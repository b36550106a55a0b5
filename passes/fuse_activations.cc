// passes/fuse_activations.cc: `fuse-activations`: a RELU or RELU6 op that is the only reader of the output of a
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB or MUL without a fused activation becomes that op's
// fused activation. The producer then writes the RELU's output tensor directly (so graph output names stay),
// and the RELU op goes; its former input tensor is left for remove-dead.
//
// Why it matters for int8: a separate RELU costs a tensor and an op, and its input range (which includes the
// negative half) would waste half of the producer's int8 levels.
#include <set>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

class FuseActivationsPass : public Pass {
 public:
  Expected<PassResult> run(Graph& g, PassContext&) override {
    std::set<int> fused;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      Op& act = g.ops[i];
      if (act.kind != OpKind::Relu && act.kind != OpKind::Relu6) continue;
      if (act.inputs.empty() || g.tensor(act.inputs[0]).dtype != DType::Float32) continue;
      std::optional<int> p = g.producer(act.inputs[0]);
      if (!p) continue;
      Op& prod = g.ops[static_cast<size_t>(*p)];
      bool kind_ok = prod.kind == OpKind::Conv2D || prod.kind == OpKind::DepthwiseConv2D ||
                     prod.kind == OpKind::FullyConnected || prod.kind == OpKind::Add || prod.kind == OpKind::Sub ||
                     prod.kind == OpKind::Mul;
      Activation* a = kind_ok ? fused_activation(prod) : nullptr;
      if (!a || *a != Activation::None || prod.outputs.size() != 1) continue;
      if (!single_consumer(g, act.inputs[0])) continue;
      *a = act.kind == OpKind::Relu ? Activation::Relu : Activation::Relu6;
      prod.outputs[0] = act.outputs[0];
      fused.insert(static_cast<int>(i));
    }
    erase_ops(g, fused);
    int dropped = drop_unreferenced_tensors(g);
    (void)dropped;
    PassResult r;
    r.changed = !fused.empty();
    r.summary = fmt::format("fused {} activations", fused.size());
    r.counters = {{"fused", static_cast<int64_t>(fused.size())}};
    return r;
  }
};

}  // namespace

PassInfo fuse_activations_pass_info() {
  return pass_info("fuse-activations", "Fuse RELU/RELU6 into the conv, FC or elementwise op that produces their input.",
                   [] { return std::make_unique<FuseActivationsPass>(); });
}

}  // namespace tinyopt
