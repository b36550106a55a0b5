// passes/quantize_edges.cc: precision converters and float edges (see quantize_edges.h).
#include "passes/quantize_edges.h"

#include "ir/op_traits.h"
#include "passes/quantize_math.h"

namespace tinyopt {

// An op whose precision differs from its input activation's gets a QUANTIZE converting it (mixed 8/16).
int insert_precision_converters(Graph& g, const std::vector<DType>& op_type) {
  std::vector<Op> ops;
  int inserted = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op op = g.ops[i];
    size_t n = weight_channel_axis(op.kind) >= 0 ? 1 : op.inputs.size();
    for (size_t k = 0; k < n; ++k) {
      TensorId id = op.inputs[k];
      // State tensors (LSTM, SVDF) have their own types, set by the op's rules.
      if (id == kNoTensor || g.tensor(id).is_constant || g.tensor(id).is_variable || g.tensor(id).dtype == op_type[i]) continue;
      if (g.tensor(id).dtype != DType::Int8 && g.tensor(id).dtype != DType::Int16) continue;
      Tensor conv = g.tensor(id);
      conv.name += op_type[i] == DType::Int16 ? "_int16" : "_int8";
      Range r{conv.quant->scale[0] * static_cast<float>(op_type[i] == DType::Int16 ? -128 - conv.quant->zero_point[0] : -32768),
              conv.quant->scale[0] * static_cast<float>(op_type[i] == DType::Int16 ? 127 - conv.quant->zero_point[0] : 32767)};
      conv.dtype = op_type[i];
      conv.quant = activation_params(r, op_type[i]);
      TensorId cid = g.add_tensor(std::move(conv));
      ops.push_back(Op{OpKind::Quantize, std::monostate{}, {id}, {cid}});
      op.inputs[k] = cid;
      ++inserted;
    }
    ops.push_back(std::move(op));
  }
  g.ops = std::move(ops);
  return inserted;
}

namespace {

// A float32 copy of quantized tensor `id` under its name; the quantized one is renamed "<name>_int8".
TensorId float_twin(Graph& g, TensorId id) {
  Tensor f = g.tensor(id);
  f.dtype = DType::Float32;
  f.quant.reset();
  g.tensor(id).name += "_int8";
  return g.add_tensor(std::move(f));
}

}  // namespace

void add_float_edges(Graph& g) {
  std::vector<Op> front;
  for (TensorId& in : g.inputs) {
    const TensorId fid = float_twin(g, in);
    front.push_back(Op{OpKind::Quantize, std::monostate{}, {fid}, {in}});
    in = fid;
  }
  g.ops.insert(g.ops.begin(), front.begin(), front.end());
  for (TensorId& out : g.outputs) {
    const TensorId fid = float_twin(g, out);
    g.ops.push_back(Op{OpKind::Dequantize, std::monostate{}, {out}, {fid}});
    out = fid;
  }
}

}  // namespace tinyopt
