// passes/dequantize_hybrid_weights.cc: `dequantize-hybrid-weights`: makes a "hybrid" float model fully float
// before calibration. Two forms are handled: (1) a DEQUANTIZE op whose input is a constant (int8, int16 or
// float16 weights stored compactly) becomes a float32 constant; (2) an op computing in float (first input float32)
// whose constant input is int8/int16 with quantization parameters gets that input dequantized,
// real = scale[c] * (q - zero_point[c]). The TFLite reader already does (2) for the models it reads, so this pass
// usually reports no change; it exists for graphs built or edited in memory.
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

float half_to_float(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

// A float32 copy of constant `t`, or nullopt when it cannot be dequantized.
std::optional<std::vector<float>> dequantized(const Tensor& t) {
  std::vector<float> out(static_cast<size_t>(t.num_elements()));
  if (t.dtype == DType::Float16) {
    auto v = t.values<uint16_t>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = half_to_float(v[i]);
    return out;
  }
  if ((t.dtype != DType::Int8 && t.dtype != DType::Int16) || !t.quant) return std::nullopt;
  const QuantParams& q = *t.quant;
  int64_t channels = q.per_channel() ? t.shape[static_cast<size_t>(q.axis)] : 1;
  int64_t inner = 1;
  if (q.per_channel())
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  for (size_t i = 0; i < out.size(); ++i) {
    size_t c = q.per_channel() ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels) : 0;
    int32_t x = t.dtype == DType::Int8 ? t.values<int8_t>()[i] : t.values<int16_t>()[i];
    out[i] = q.scale_at(c) * static_cast<float>(x - q.zero_point_at(c));
  }
  return out;
}

class DequantizeHybridWeightsPass : public Pass {
 public:
  Expected<PassResult> run(Graph& g, PassContext&) override {
    int ops_folded = 0, weights = 0;
    std::set<int> erased;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      Op& op = g.ops[i];
      if (op.kind == OpKind::Dequantize && g.tensor(op.inputs[0]).is_constant) {
        std::optional<std::vector<float>> v = dequantized(g.tensor(op.inputs[0]));
        if (!v) continue;
        Tensor& out = g.tensor(op.outputs[0]);
        out.set_values<float>(*v);
        out.quant.reset();
        erased.insert(static_cast<int>(i));
        ++ops_folded;
        continue;
      }
      if (op.inputs.empty() || op.inputs[0] == kNoTensor || g.tensor(op.inputs[0]).dtype != DType::Float32) continue;
      for (size_t k = 1; k < op.inputs.size(); ++k) {
        if (op.inputs[k] == kNoTensor) continue;
        Tensor& t = g.tensor(op.inputs[k]);
        if (!t.is_constant || !t.quant || (t.dtype != DType::Int8 && t.dtype != DType::Int16)) continue;
        std::optional<std::vector<float>> v = dequantized(t);
        if (!v) continue;
        t.set_values<float>(*v);
        t.quant.reset();
        ++weights;
      }
    }
    erase_ops(g, erased);
    drop_unreferenced_tensors(g);
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
