// passes/float_twin.cc: float_twin (see the header).
#include "passes/float_twin.h"

#include <set>

#include "ir/dequantize.h"
#include "passes/graph_rewrite.h"

namespace tinyopt {
namespace {

// int32 / int64 biases: scale[c] x q (zero point 0 by the spec, subtracted anyway).
template <class T>
std::vector<float> dequantize_wide(const Tensor& t) {
  const QuantParams& q = *t.quant;
  const auto v = t.values<T>();
  int64_t inner = 1;
  if (q.per_channel())
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t c = q.per_channel() ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % static_cast<int64_t>(q.channels())) : 0;
    out[i] = static_cast<float>(static_cast<double>(q.scale_at(c)) * static_cast<double>(v[i] - q.zero_point_at(c)));
  }
  return out;
}

}  // namespace

Expected<Graph> float_twin(const Graph& quantized) {
  Graph g = quantized;
  // QUANTIZE / DEQUANTIZE become identities: their readers read their input.
  std::set<int> converters;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (op.kind != OpKind::Quantize && op.kind != OpKind::Dequantize) continue;
    const TensorId from = op.outputs[0], to = op.inputs[0];
    replace_uses(g, from, to);
    converters.insert(static_cast<int>(i));
  }
  erase_ops(g, converters);
  for (Op& op : g.ops) op.intermediates.clear();
  drop_unreferenced_tensors(g);
  for (Tensor& t : g.tensors) {
    if (!t.is_constant) {
      if (t.dtype == DType::Int8 || t.dtype == DType::Int16 || t.dtype == DType::UInt8 || t.dtype == DType::Float32 ||
          (t.quant && (t.dtype == DType::Int32 || t.dtype == DType::Int64))) {
        t.dtype = DType::Float32;
        t.quant.reset();
      }
      continue;
    }
    if (!t.quant || t.quant->scale.empty()) continue;  // float constants, index data
    std::optional<std::vector<float>> v;
    if (t.dtype == DType::Int32) v = dequantize_wide<int32_t>(t);
    else if (t.dtype == DType::Int64) v = dequantize_wide<int64_t>(t);
    else v = dequantized_values(t);
    if (!v) return fail(Errc::Unsupported, {.file = g.source, .tensor = t.name}, "cannot dequantize a {} constant",
                        dtype_name(t.dtype));
    t.set_values<float>(*v);
    t.dtype = DType::Float32;
    t.quant.reset();
  }
  g.description = "float twin of " + (quantized.source.empty() ? std::string("an integer model") : quantized.source);
  return g;
}

}  // namespace tinyopt
