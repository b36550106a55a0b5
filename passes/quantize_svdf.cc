// passes/quantize_svdf.cc: post-training quantization of a float SVDF as TFLite's quantizer does it
// (tools/optimize/operator_property.cc, the SVDF case; the MLIR quantizer the same):
//   input #0, output         int8 asymmetric from their calibrated ranges (stage 4); the fused activation is then
//                            only the output's range (TFLM's integer SVDF clamps to int8 and applies no activation);
//   weights_feature #1       int8 symmetric per tensor;
//   weights_time #2          int16 storing 10-bit values: scale = max |w| / 512 ("6 bits are reserved for the reduce
//                            operation after element-wise multiplication between state and time weights");
//   activation state #4      int16 symmetric (number_of_bits 16, zero point 0) from the state's calibrated range,
//                            which the float kernel reports after every invocation;
//   bias #3                  int32, scale = weights_time scale x state scale (`derived_scale {{2, 4}}`).
// TFLM's own keyword benchmark model (keyword_scrambled_int8) keeps int8 time weights and an int8 state instead;
// the integer kernel runs both, the converter writes this one.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/quantize_math.h"
#include "passes/quantize_op_rules.h"
#include "runtime/kernels/svdf_operands.h"

namespace tinyopt {

Expected<void> quantize_svdf(OpRuleContext& c, int op_index) {
  Graph& g = c.g;
  auto operands = svdf_operands(g, op_index);  // errors name the op and the tensor (a missing state, ...)
  if (!operands) return operands.take_error();
  const Op& op0 = g.ops[static_cast<size_t>(op_index)];
  const TensorId state = op0.inputs[4];
  for (size_t slot : {size_t{1}, size_t{2}})
    if (g.tensor(op0.inputs[slot]).dtype != DType::Float32 || !g.tensor(op0.inputs[slot]).is_constant)
      return fail(Errc::Unsupported, g.where(op_index), "SVDF weights '{}' must be float32 constants to quantize (hybrid "
                  "SVDFs are not supported)", g.tensor(op0.inputs[slot]).name);
  const std::string& state_name = g.tensor(state).name;
  std::optional<Range> sr = c.stats.range(state_name, RangeRequest{.levels = 65536, .symmetric = true, .clip = false});
  if (!sr)
    return fail(Errc::BadInput, {.file = g.source, .op = op_index, .op_kind = "SVDF", .tensor = state_name},
                "no calibration statistics for the activation state (statistics computed before tinyopt observed SVDF "
                "states? recompute them)");

  {
    Tensor& wf = g.tensor(own_constant_input(g, op_index, 1));
    QuantizedWeights q = quantize_weights(wf.values<float>(), wf.shape, -1);
    wf.set_values<int8_t>(q.values);
    wf.quant = q.params;
  }
  Tensor& wt = g.tensor(own_constant_input(g, op_index, 2));
  const auto tv = wt.values<float>();
  float max_abs = 0.0f;
  for (float v : tv) max_abs = std::max(max_abs, std::fabs(v));
  if (max_abs == 0.0f) {
    max_abs = 1.0f;
    c.notes.push_back(fmt::format("op #{} SVDF: time weights are all zero; their scale is 1/512", op_index));
  }
  const float time_scale = max_abs / 512.0f;
  std::vector<int16_t> tq(tv.size());
  for (size_t k = 0; k < tv.size(); ++k)
    tq[k] = static_cast<int16_t>(std::clamp<long>(std::lround(tv[k] / time_scale), -512, 512));
  wt.set_values<int16_t>(tq);
  wt.quant = QuantParams{{time_scale}, {0}, 0};

  const QuantParams state_p = activation_params(*sr, DType::Int16);
  Tensor& st = g.tensor(state);
  st.dtype = DType::Int16;
  st.quant = state_p;
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  if (op.inputs[3] != kNoTensor)
    quantize_bias_input(c, op_index, 3, {static_cast<double>(time_scale) * state_p.scale[0]}, DType::Int32);
  return {};
}

}  // namespace tinyopt
