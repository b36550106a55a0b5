// passes/quantize_op_rules.cc: the bias helper and TRANSPOSE_CONV of passes/quantize_op_rules.h.
#include "passes/quantize_op_rules.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/quantize_math.h"

namespace tinyopt {

void quantize_bias_input(OpRuleContext& c, int op_index, size_t slot, const std::vector<double>& scale, DType type) {
  const TensorId id = own_constant_input(c.g, op_index, slot);
  Tensor& t = c.g.tensor(id);
  const auto b = t.values<float>();
  const double limit = type == DType::Int32 ? 2147483647.0 : 9.2e18;
  std::vector<int64_t> q(b.size());
  for (size_t k = 0; k < b.size(); ++k) {
    double v = std::round(static_cast<double>(b[k]) / scale[scale.size() == 1 ? 0 : k]);
    if (std::fabs(v) > limit) {
      c.notes.push_back(fmt::format("op #{} {}: bias '{}' element {} overflows {}; clamped", op_index,
                                    op_kind_name(c.g.ops[static_cast<size_t>(op_index)].kind), t.name, k, dtype_name(type)));
      v = std::clamp(v, -limit, limit);
    }
    q[k] = static_cast<int64_t>(v);
  }
  QuantParams p;
  p.axis = 0;
  for (double s : scale) {
    p.scale.push_back(static_cast<float>(s));
    p.zero_point.push_back(0);
  }
  if (type == DType::Int32) {
    const std::vector<int32_t> q32(q.begin(), q.end());
    t.set_values<int32_t>(q32);
  } else {
    t.set_values<int64_t>(q);
  }
  t.quant = std::move(p);
}

Expected<void> quantize_transpose_conv(OpRuleContext& c, int op_index, DType type, bool per_channel) {
  const Op& op = c.g.ops[static_cast<size_t>(op_index)];
  const std::optional<QuantParams>& in = c.params[static_cast<size_t>(op.inputs[2])];
  if (!in) return fail(Errc::Internal, c.g.where(op_index), "input #2 has no quantization parameters");
  const double in_scale = in->scale[0];
  const TensorId wid = own_constant_input(c.g, op_index, 1);
  Tensor& w = c.g.tensor(wid);
  if (!w.is_constant || w.dtype != DType::Float32)
    return fail(Errc::Unsupported, c.g.where(op_index), "TRANSPOSE_CONV weights must be float32 constants to quantize");
  // operator_property.cc TRANSPOSE_CONV: weights per axis 0 ([O, KH, KW, I]), symmetric; bias derived from input #2.
  QuantizedWeights qw = quantize_weights(w.values<float>(), w.shape, per_channel ? 0 : -1);
  if (qw.zero_channels)
    c.notes.push_back(fmt::format("op #{} TRANSPOSE_CONV: {} output channels have all-zero weights; their scale is the "
                                  "tensor's", op_index, qw.zero_channels));
  w.set_values<int8_t>(qw.values);
  w.quant = qw.params;
  if (op.inputs.size() > 3 && op.inputs[3] != kNoTensor) {
    std::vector<double> scale;
    for (float s : qw.params.scale) scale.push_back(in_scale * s);
    // TFLM's 16x8 TRANSPOSE_CONV reads an int64 bias (its int8 kernel an int32 one).
    quantize_bias_input(c, op_index, 3, scale, type == DType::Int16 ? DType::Int64 : DType::Int32);
  }
  return {};
}

}  // namespace tinyopt
