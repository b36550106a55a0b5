// passes/dequantize_hybrid_weights.cc: `dequantize-hybrid-weights`: makes a "hybrid" float model fully float
// before calibration. Two forms are handled: (1) a DEQUANTIZE op whose input is a constant (int8, uint8, int16 or
// float16 weights stored compactly) becomes a float32 constant; (2) the quantized constant weights of ops computing
// in float are dequantized, real = scale[c] * (q - zero_point[c]). Both use ir/dequantize.h. The TFLite reader
// already does (2) for the models it reads (with the same function), so this pass usually reports no change
// there; it exists for graphs built or edited in memory.
#include <set>

#include <fmt/format.h>

#include "ir/dequantize.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

class DequantizeHybridWeightsPass : public Pass {
 public:
  Expected<PassResult> run(Graph& g, PassContext&) override {
    int ops_folded = 0;
    std::set<int> erased;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      Op& op = g.ops[i];
      if (op.kind != OpKind::Dequantize || !g.tensor(op.inputs[0]).is_constant) continue;
      std::optional<std::vector<float>> v = dequantized_values(g.tensor(op.inputs[0]));
      if (!v) continue;
      Tensor& out = g.tensor(op.outputs[0]);
      out.set_values<float>(*v);
      out.quant.reset();
      erased.insert(static_cast<int>(i));
      ++ops_folded;
    }
    erase_ops(g, erased);
    drop_unreferenced_tensors(g);
    const int weights = dequantize_hybrid_weights(g);
    PassResult r;
    r.changed = ops_folded + weights > 0;
    r.summary = fmt::format("dequantized {} constant DEQUANTIZE ops and {} hybrid weight tensors", ops_folded, weights);
    r.counters = {{"dequantize_ops", ops_folded}, {"weights", weights}};
    return r;
  }
};

}  // namespace

PassInfo dequantize_hybrid_weights_pass_info() {
  return pass_info("dequantize-hybrid-weights", "Turn int8/fp16 constant weights of a float model into float32.",
                   [] { return std::make_unique<DequantizeHybridWeightsPass>(); });
}

}  // namespace tinyopt
