// passes/quantize.cc: `quantize`: post-training full-integer quantization of a float graph, per the TFLite int8
// spec (../shared/DESIGN.md; arithmetic in quantize_math.h).
//
// Stages (4 in passes/quantize_params.h, bias correction in passes/bias_correction.h, the added QUANTIZE /
// DEQUANTIZE ops in passes/quantize_edges.h):
//   1. checks: the graph is float, constants hold no NaN/Inf, every op kind is quantizable (all are listed);
//   2. statistics: PassContext::stats when given, else calibration over PassContext::calibration with the
//      chosen observer (and per-channel input means when bias correction is on);
//   3. precision per op: int8, or int16 activations ("16x8") globally or for the ops whose output tensor is
//      named in `int16-layers`; ops that must keep their input's parameters follow their input's precision;
//   4. parameters: tensors that must share parameters (RESHAPE, pools, PAD, SQUEEZE, TRANSPOSE, STRIDED_SLICE
//      input/output; every CONCATENATION input and output) are grouped and get one set from the union of their
//      ranges; SOFTMAX/LOGISTIC/TANH outputs get the fixed parameters; others their own nudged range (a SOFTMAX
//      input or model output keeps its observed min/max even under clipping observers: passes/quantize_params.h);
//   5. rewrite (TRANSPOSE_CONV, UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF and their state tensors by the rules of
//      passes/quantize_op_rules.h; the LSTM and SVDF always int8): weights int8 symmetric (per-channel on axis 0, axis 3 for depthwise, or per-tensor; FULLY_CONNECTED
//      always per-tensor, as the spec and the converter have it), biases int32
//      (int64 for 16x8) at input_scale x weight_scale[c] after optional empirical bias correction, other float
//      constants affine per-tensor; an op whose input precision differs from its own gets a QUANTIZE in front;
//   6. edges: int8 model inputs/outputs, or float ones with QUANTIZE/DEQUANTIZE added (`float-io`).
// Fallbacks (zero-width ranges, all-zero weight channels, biases that overflow int32) are stated in the result's
// notes, never silent.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "calibration/calibrate.h"
#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"
#include "passes/quantize_edges.h"
#include "passes/quantize_math.h"
#include "passes/quantize_op_rules.h"
#include "passes/quantize_params.h"
#include "passes/bias_correction.h"

namespace tinyopt {
namespace {

enum class WeightGranularity { PerChannel, PerTensor };

struct QuantizeOptions {
  DType activations = DType::Int8;          // int8, or int16 with int8 weights (16x8)
  bool bias_correction = false;
  bool float_io = false;
  std::vector<std::string> int16_layers;    // output tensor names of ops run in 16x8
  size_t num_calib = 0;                     // 0: every sample
  ObserverKind observer = ObserverKind::MinMax;
  double percentile = 99.99;                // percentile observer
  WeightGranularity weights = WeightGranularity::PerChannel;
};

class QuantizePass : public Pass {
 public:
  explicit QuantizePass(QuantizeOptions o) : o_(std::move(o)) {}

  Expected<PassResult> run(Graph& g, PassContext& ctx) override {
    result_ = {};
    if (Expected<void> ok = check(g); !ok) return ok.take_error();
    std::set<TensorId> activations = float_activation_tensors(g);

    // 2. statistics
    CalibrationStats own;
    const CalibrationStats* stats = ctx.stats;
    if (stats && (stats->config.kind != o_.observer ||
                  (o_.observer == ObserverKind::Percentile && stats->config.percentile != o_.percentile)))
      return fail(Errc::BadInput, {.option = "quantize.observer"},
                  "the precomputed statistics are from the {} observer{}, but quantize{{observer={}}} was asked: give the "
                  "same observer to both steps", observer_kind_name(stats->config.kind),
                  stats->config.kind == ObserverKind::Percentile ? fmt::format(" (percentile {})", stats->config.percentile) : "",
                  observer_kind_name(o_.observer));
    if (!stats) {
      if (!ctx.calibration)
        return fail(Errc::BadInput, {.option = "quantize"}, "quantize needs calibration data or precomputed statistics");
      CalibrationOptions co;
      co.observer = ObserverConfig{.kind = o_.observer, .percentile = o_.percentile};
      co.num_samples = o_.num_calib;
      co.progress = ctx.progress;
      if (o_.bias_correction)
        for (const Op& op : g.ops)
          if (weight_channel_axis(op.kind) >= 0) co.channel_mean_tensors.push_back(op.inputs[0]);
      Expected<CalibrationStats> s = calibrate(g, *ctx.calibration, co);
      if (!s) return s.take_error();
      own = std::move(*s);
      stats = &own;
    }
    result_.counters["calibration_samples"] = stats->samples;

    // 3. precision per op and per tensor
    std::vector<DType> op_type(g.ops.size(), o_.activations);
    std::vector<DType> tensor_type(g.tensors.size(), DType::Int8);
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const Op& op = g.ops[i];
      DType t = o_.activations;
      for (TensorId out : op.outputs)
        if (std::find(o_.int16_layers.begin(), o_.int16_layers.end(), g.tensor(out).name) != o_.int16_layers.end())
          t = DType::Int16;
      if (shares_input_quant(op.kind) && activations.count(op.inputs[0])) t = tensor_type[static_cast<size_t>(op.inputs[0])];
      // The integer LSTM and SVDF exist with int8 activations only (operator_property.cc: quantizable_int16 = false).
      if (op.kind == OpKind::SequenceLstm || op.kind == OpKind::Svdf) t = DType::Int8;
      op_type[i] = t;
      for (TensorId out : op.outputs) tensor_type[static_cast<size_t>(out)] = t;
    }
    for (TensorId in : g.inputs) {
      std::vector<int> c = g.consumers(in);
      tensor_type[static_cast<size_t>(in)] = c.empty() ? o_.activations : op_type[static_cast<size_t>(c[0])];
    }

    // 4. parameters
    // Ranges learned by quantization-aware training (distill{qat=true}) win over calibration for their tensors.
    std::map<std::string, Range> learned;
    for (auto it = g.metadata.begin(); it != g.metadata.end(); ++it) {
      if (it->name != "tinyopt_qat_ranges") continue;
      const nlohmann::json j = nlohmann::json::parse(it->data.begin(), it->data.end(), nullptr, false);
      if (j.is_object())
        for (const auto& [name, v] : j.items())
          if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number())
            learned[name] = Range{v[0].get<float>(), v[1].get<float>()};
      g.metadata.erase(it);
      break;
    }
    if (!learned.empty()) result_.counters["learned_ranges"] = static_cast<int64_t>(learned.size());
    Expected<ActivationParams> chosen = choose_activation_params(g, *stats, activations, tensor_type, learned);
    if (!chosen) return chosen.take_error();
    for (std::string& n : chosen->notes) note(std::move(n));
    if (o_.observer == ObserverKind::Percentile || o_.observer == ObserverKind::Mse || o_.observer == ObserverKind::Kl)
      result_.counters["observed_range_tensors"] = chosen->observed_range_tensors;
    const std::vector<std::optional<QuantParams>>& params = chosen->params;

    // 5. rewrite constants, then activations, then insert precision converters.
    if (Expected<void> ok = rewrite_ops(g, *stats, params, tensor_type, op_type); !ok) return ok.take_error();
    for (TensorId id : activations) {
      Tensor& t = g.tensor(id);
      t.dtype = tensor_type[static_cast<size_t>(id)];
      t.quant = params[static_cast<size_t>(id)];
    }
    if (int inserted = insert_precision_converters(g, op_type)) result_.counters["precision_converters"] = inserted;

    // 6. edges
    if (o_.float_io) add_float_edges(g);

    result_.changed = true;
    result_.summary = fmt::format("quantized {} ops ({} activations, {} weights, observer {}, {} calibration samples{})",
                                  g.ops.size(), dtype_name(o_.activations), o_.weights == WeightGranularity::PerChannel ? "per-channel" : "per-tensor",
                                  observer_kind_name(o_.observer), stats->samples,
                                  o_.bias_correction ? ", bias correction" : "");
    return result_;
  }

 private:
  // 1. The graph must be float, finite and made of quantizable ops.
  Expected<void> check(const Graph& g) const {
    std::vector<Error> errors;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const Op& op = g.ops[i];
      if (op.kind == OpKind::Quantize || op.kind == OpKind::Dequantize)
        errors.push_back(fail(Errc::Unsupported, g.where(static_cast<int>(i)),
                              "the quantizer expects a float graph; run dequantize-hybrid-weights first or remove this op"));
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        TensorId id = op.inputs[k];
        if (id == kNoTensor) continue;
        const Tensor& t = g.tensor(id);
        if (!t.is_constant) {
          if (t.dtype != DType::Float32)
            errors.push_back(fail(Errc::BadInput, {.file = g.source, .op = static_cast<int>(i), .op_kind = std::string(op_kind_name(op.kind)), .tensor = t.name},
                                  "activation is {}, not float32: the model is already quantized", dtype_name(t.dtype)));
          continue;
        }
        if (t.dtype == DType::Float32)
          for (float v : t.values<float>())
            if (!std::isfinite(v)) {
              errors.push_back(fail(Errc::BadInput, {.file = g.source, .op = static_cast<int>(i), .op_kind = std::string(op_kind_name(op.kind)), .tensor = t.name},
                                    "constant contains {} (NaN/Inf weights cannot be quantized)", v));
              break;
            }
      }
    }
    if (!errors.empty()) return join_errors(errors);
    return {};
  }

  Expected<void> rewrite_ops(Graph& g, const CalibrationStats& stats, const std::vector<std::optional<QuantParams>>& params,
                             const std::vector<DType>& tensor_type, const std::vector<DType>& op_type) {
    int corrected = 0;
    OpRuleContext rules{g, stats, params, result_.notes};
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const OpKind kind = g.ops[i].kind;
      if (kind == OpKind::TransposeConv || kind == OpKind::SequenceLstm || kind == OpKind::Svdf) {
        const int op = static_cast<int>(i);
        Expected<void> ok = kind == OpKind::TransposeConv
                                ? quantize_transpose_conv(rules, op, op_type[i], o_.weights == WeightGranularity::PerChannel)
                            : kind == OpKind::SequenceLstm ? quantize_sequence_lstm(rules, op)
                                                           : quantize_svdf(rules, op);
        if (!ok) return ok.take_error();
        continue;
      }
      int axis = weight_channel_axis(g.ops[i].kind);
      if (axis >= 0 && g.tensor(g.ops[i].inputs[1]).is_constant) {
        Expected<bool> ok = quantize_weighted_op(g, static_cast<int>(i), axis, stats, params, op_type[i]);
        if (!ok) return ok.take_error();
        corrected += *ok;
        continue;
      }
      if (auto* e = std::get_if<ElementwiseOptions>(&g.ops[i].options); e && op_type[i] == DType::Int16)
        e->pot_scale_int16 = false;  // 16x8 ADD/SUB with general (non power-of-two) scales
      for (size_t k = 0; k < g.ops[i].inputs.size(); ++k) {
        TensorId id = g.ops[i].inputs[k];
        if (id == kNoTensor || !g.tensor(id).is_constant || g.tensor(id).dtype != DType::Float32) continue;
        if (is_index_input(g.ops[i].kind, k)) continue;
        id = own_constant_input(g, static_cast<int>(i), k);
        Tensor& t = g.tensor(id);
        auto v = t.values<float>();
        auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        Range r = v.empty() ? Range{} : Range{*lo, *hi};
        // A constant feeding a parameter-sharing op (CONCATENATION) takes the op output's parameters.
        std::optional<QuantParams> p;
        if (shares_input_quant(g.ops[i].kind)) p = params[static_cast<size_t>(g.ops[i].outputs[0])];
        if (!p) p = activation_params(r, op_type[i]);
        std::vector<uint8_t> bytes = quantize_constant(v, *p, op_type[i]);
        t.data = std::move(bytes);
        t.dtype = op_type[i];
        t.quant = *p;
      }
      (void)tensor_type;
    }
    if (o_.bias_correction) result_.counters["bias_corrected_ops"] = corrected;
    return {};
  }

  // Weights, bias (and bias correction) of a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED. Returns whether
  // the bias was corrected.
  Expected<bool> quantize_weighted_op(Graph& g, int i, int axis, const CalibrationStats& stats,
                                      const std::vector<std::optional<QuantParams>>& params, DType type) {
    const Op& op0 = g.ops[static_cast<size_t>(i)];
    const std::optional<QuantParams>& in_p = params[static_cast<size_t>(op0.inputs[0])];
    if (!in_p) return fail(Errc::Internal, g.where(i), "input has no quantization parameters");
    TensorId wid = own_constant_input(g, i, 1);
    Shape wshape = g.tensor(wid).shape;
    auto wv = g.tensor(wid).values<float>();
    std::vector<float> w(wv.begin(), wv.end());
    // FULLY_CONNECTED weights stay per-tensor, as the TFLite int8 spec lists them and the converter writes them:
    // Arm NN 20.08 (Debian's, CpuRef) aborts on per-axis FULLY_CONNECTED weights.
    const bool per_channel = o_.weights == WeightGranularity::PerChannel && op0.kind != OpKind::FullyConnected;
    int qaxis = per_channel ? axis : -1;
    QuantizedWeights qw = quantize_weights(w, wshape, qaxis);
    if (qw.zero_channels)
      note(fmt::format("op #{} {}: {} output channels have all-zero weights; their scale is the tensor's", i,
                       op_kind_name(op0.kind), qw.zero_channels));
    int32_t channels = wshape[static_cast<size_t>(axis)];

    // Bias in float (created as zeros when absent and correction needs one).
    std::vector<float> bias;
    bool has_bias = op0.inputs.size() > 2 && op0.inputs[2] != kNoTensor;
    if (has_bias) {
      auto b = g.tensor(op0.inputs[2]).values<float>();
      bias.assign(b.begin(), b.end());
    } else {
      bias.assign(static_cast<size_t>(channels), 0.0f);
    }
    bool corrected = false;
    if (o_.bias_correction) corrected = correct_bias(g, i, axis, stats, w, qw, wshape, qaxis, bias);
    if (corrected || has_bias) {
      TensorId bid = ensure_float_bias(g, i);
      Tensor& bt = g.tensor(bid);
      DType btype = type == DType::Int16 ? DType::Int64 : DType::Int32;
      double limit = btype == DType::Int32 ? 2147483647.0 : 9.2e18;
      QuantParams bp;
      bp.axis = 0;
      std::vector<int64_t> q(bias.size());
      for (size_t c = 0; c < bias.size(); ++c) {
        double s = static_cast<double>(in_p->scale[0]) * qw.params.scale_at(per_channel ? c : 0);
        double v = std::round(bias[c] / s);
        if (std::fabs(v) > limit) {
          note(fmt::format("op #{} {}: bias of channel {} overflows {}; clamped", i, op_kind_name(op0.kind), c, dtype_name(btype)));
          v = std::clamp(v, -limit, limit);
        }
        q[c] = static_cast<int64_t>(v);
        if (per_channel || c == 0) { bp.scale.push_back(static_cast<float>(s)); bp.zero_point.push_back(0); }
      }
      if (btype == DType::Int32) {
        std::vector<int32_t> q32(q.begin(), q.end());
        bt.set_values<int32_t>(q32);
      } else {
        bt.set_values<int64_t>(q);
      }
      bt.quant = bp;
    }
    Tensor& wt = g.tensor(g.ops[static_cast<size_t>(i)].inputs[1]);
    wt.set_values<int8_t>(qw.values);
    wt.quant = qw.params;
    return corrected;
  }

  void note(std::string s) { result_.notes.push_back(std::move(s)); }

  QuantizeOptions o_;
  PassResult result_;
};

}  // namespace

PassInfo quantize_pass_info() {
  EnumNames<ObserverKind> observers;
  for (ObserverKind k : kObserverKinds) observers.emplace_back(std::string(observer_kind_name(k)), k);
  using O = QuantizeOptions;
  return pass_info<O>(
      "quantize", "Post-training full-integer quantization (TFLite int8 spec), calibrated on the pipeline's data.",
      {option("activations", &O::activations, "activation type: int8, or int16 with int8 weights (16x8)",
              {{"int8", DType::Int8}, {"int16", DType::Int16}}),
       option("bias-correction", &O::bias_correction, "empirical bias correction of the weight rounding error"),
       option("float-io", &O::float_io, "keep float model inputs/outputs (QUANTIZE/DEQUANTIZE at the edges)"),
       option("int16-layers", &O::int16_layers, "output tensor names of ops run in 16x8 (mixed precision)"),
       option("num-calib", &O::num_calib, "calibration samples to use (0: all)", OptionRange{0, 1e9}),
       option("observer", &O::observer,
              "activation range observer (kl: entropy search; can clip long-tailed layers harder than mse, and picks "
              "8-bit ranges under int16 too)", observers),
       option("percentile", &O::percentile, "percentile observer: kept fraction in percent", OptionRange{50.0, 100.0}),
       option("weights", &O::weights, "weight scale granularity",
              {{"per-channel", WeightGranularity::PerChannel}, {"per-tensor", WeightGranularity::PerTensor}})},
      [](O o) { return std::make_unique<QuantizePass>(std::move(o)); }, PassNeeds{.calibration = true});
}

}  // namespace tinyopt
