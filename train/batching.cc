// train/batching.cc: batch-N copies of a batch-1 graph.
#include "train/batching.h"

#include "ir/shape_inference.h"

namespace tinyopt {

Expected<Graph> with_batch_size(const Graph& g, int32_t batch) {
  if (batch <= 0) return fail(Errc::BadInput, {.file = g.source}, "batch size {} must be positive", batch);
  Graph b = g;
  for (TensorId id : b.inputs) {
    Tensor& t = b.tensor(id);
    if (t.shape.empty() || t.shape[0] != 1)
      return fail(Errc::Unsupported, {.file = g.source, .tensor = t.name},
                  "input shape {} has no batch dimension of 1 to grow", shape_to_string(t.shape));
    t.shape[0] = batch;
  }
  for (Op& op : b.ops) {
    if (op.kind != OpKind::Squeeze) continue;
    SqueezeOptions o = std::holds_alternative<SqueezeOptions>(op.options) ? op.opts<SqueezeOptions>() : SqueezeOptions{};
    if (!o.squeeze_dims.empty()) continue;
    const Shape& in = g.tensor(op.inputs.at(0)).shape;
    for (size_t d = 1; d < in.size(); ++d)
      if (in[d] == 1) o.squeeze_dims.push_back(static_cast<int32_t>(d));
    op.options = o;
  }
  if (auto r = infer_shapes(b); !r) return r.take_error();
  return b;
}

}  // namespace tinyopt
