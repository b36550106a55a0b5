// passes/quantize.cc: `quantize`: post-training full-integer quantization of a float graph, per the TFLite int8
// spec (../shared/DESIGN.md; arithmetic in quantize_math.h).
//
// Stages:
//   1. checks: the graph is float, constants hold no NaN/Inf, every op kind is quantizable (all are listed);
//   2. statistics: PassContext::stats when given, else calibration over PassContext::calibration with the
//      chosen observer (and per-channel input means when bias correction is on);
//   3. precision per op: int8, or int16 activations ("16x8") globally or for the ops whose output tensor is
//      named in `int16-layers`; ops that must keep their input's parameters follow their input's precision;
//   4. parameters: tensors that must share parameters (RESHAPE, pools, PAD, SQUEEZE, TRANSPOSE, STRIDED_SLICE
//      input/output; every CONCATENATION input and output) are grouped and get one set from the union of their
//      ranges; SOFTMAX/LOGISTIC/TANH outputs get the fixed parameters; others their own nudged range (a SOFTMAX
//      input or model output keeps its observed min/max even under clipping observers: see choose_params);
//   5. rewrite: weights int8 symmetric (per-channel on axis 0, axis 3 for depthwise, or per-tensor; FULLY_CONNECTED
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

#include "calibration/calibrate.h"
#include "ir/op_traits.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/quantize_math.h"

namespace tinyopt {
namespace {

struct QuantizeOptions {
  bool per_channel = true;
  DType activations = DType::Int8;
  std::vector<std::string> int16_layers;
  ObserverConfig observer;
  size_t num_calib = 0;
  bool float_io = false;
  bool bias_correction = false;
};

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) { while (parent[static_cast<size_t>(x)] != x) x = parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])]; return x; }
  void unite(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
};

class QuantizePass : public Pass {
 public:
  explicit QuantizePass(QuantizeOptions o) : o_(std::move(o)) {}

  Expected<PassResult> run(Graph& g, PassContext& ctx) override {
    result_ = {};
    if (Expected<void> ok = check(g); !ok) return ok.take_error();
    std::set<TensorId> activations = activation_tensors(g);

    // 2. statistics
    CalibrationStats own;
    const CalibrationStats* stats = ctx.stats;
    if (!stats) {
      if (!ctx.calibration)
        return fail(Errc::BadInput, {.option = "quantize"}, "quantize needs calibration data (--calib) or statistics");
      CalibrationOptions co;
      co.observer = o_.observer;
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
      op_type[i] = t;
      for (TensorId out : op.outputs) tensor_type[static_cast<size_t>(out)] = t;
    }
    for (TensorId in : g.inputs) {
      std::vector<int> c = g.consumers(in);
      tensor_type[static_cast<size_t>(in)] = c.empty() ? o_.activations : op_type[static_cast<size_t>(c[0])];
    }

    // 4. parameters
    Expected<std::vector<std::optional<QuantParams>>> params = choose_params(g, *stats, activations, tensor_type);
    if (!params) return params.take_error();

    // 5. rewrite constants, then activations, then insert precision converters.
    if (Expected<void> ok = rewrite_ops(g, *stats, *params, tensor_type, op_type); !ok) return ok.take_error();
    for (TensorId id : activations) {
      Tensor& t = g.tensor(id);
      t.dtype = tensor_type[static_cast<size_t>(id)];
      t.quant = (*params)[static_cast<size_t>(id)];
    }
    insert_converters(g, op_type);

    // 6. edges
    if (o_.float_io) add_float_edges(g);

    result_.changed = true;
    result_.summary = fmt::format("quantized {} ops ({} activations, {} weights, observer {}, {} calibration samples{})",
                                  g.ops.size(), dtype_name(o_.activations), o_.per_channel ? "per-channel" : "per-tensor",
                                  observer_kind_name(o_.observer.kind), stats->samples,
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

  static std::set<TensorId> activation_tensors(const Graph& g) {
    std::set<TensorId> s;
    for (TensorId t : g.inputs) s.insert(t);
    for (const Op& op : g.ops)
      for (TensorId t : op.outputs)
        if (!g.tensor(t).is_constant && g.tensor(t).dtype == DType::Float32) s.insert(t);
    return s;
  }

  Expected<std::vector<std::optional<QuantParams>>> choose_params(const Graph& g, const CalibrationStats& stats,
                                                                  const std::set<TensorId>& activations,
                                                                  const std::vector<DType>& tensor_type) {
    UnionFind uf(g.tensors.size());
    for (const Op& op : g.ops) {
      if (!shares_input_quant(op.kind)) continue;
      size_t n_in = op.kind == OpKind::Concatenation ? op.inputs.size() : 1;
      for (size_t k = 0; k < n_in; ++k)
        if (activations.count(op.inputs[k])) uf.unite(op.inputs[k], op.outputs[0]);
    }
    // Groups whose extremes decide the answer keep their observed range under clipping observers (percentile,
    // mse, kl): the input of a SOFTMAX (clipping the top logit flattens the winner into its rivals) and the model
    // outputs. Clipping trades rare outliers for resolution, which suits hidden activations, not a tensor whose
    // largest value is the answer.
    std::vector<bool> keep_extremes(g.tensors.size(), false);
    for (TensorId id : g.outputs) keep_extremes[static_cast<size_t>(uf.find(id))] = true;
    for (const Op& op : g.ops)
      if (op.kind == OpKind::Softmax && activations.count(op.inputs[0])) keep_extremes[static_cast<size_t>(uf.find(op.inputs[0]))] = true;
    std::vector<std::optional<Range>> group_range(g.tensors.size());
    std::vector<std::optional<QuantParams>> group_fixed(g.tensors.size());
    int unclipped = 0;
    for (TensorId id : activations) {
      const Tensor& t = g.tensor(id);
      RangeRequest req{.levels = tensor_type[static_cast<size_t>(id)] == DType::Int16 ? 65536 : 256,
                       .symmetric = tensor_type[static_cast<size_t>(id)] == DType::Int16,
                       .clip = !keep_extremes[static_cast<size_t>(uf.find(id))]};
      unclipped += !req.clip;
      std::optional<Range> r = stats.range(t.name, req);
      if (!r) return fail(Errc::BadInput, {.file = g.source, .tensor = t.name}, "no calibration statistics for this tensor");
      auto& gr = group_range[static_cast<size_t>(uf.find(id))];
      gr = gr ? Range{std::min(gr->min, r->min), std::max(gr->max, r->max)} : *r;
    }
    if (o_.observer.kind == ObserverKind::Percentile || o_.observer.kind == ObserverKind::Mse || o_.observer.kind == ObserverKind::Kl)
      result_.counters["observed_range_tensors"] = unclipped;
    for (const Op& op : g.ops)
      if (auto f = fixed_output_params(op.kind, tensor_type[static_cast<size_t>(op.outputs[0])]))
        group_fixed[static_cast<size_t>(uf.find(op.outputs[0]))] = f;
    std::vector<std::optional<QuantParams>> out(g.tensors.size());
    for (TensorId id : activations) {
      int root = uf.find(id);
      if (group_fixed[static_cast<size_t>(root)]) { out[static_cast<size_t>(id)] = group_fixed[static_cast<size_t>(root)]; continue; }
      bool fallback = false;
      out[static_cast<size_t>(id)] = activation_params(*group_range[static_cast<size_t>(root)], tensor_type[static_cast<size_t>(id)], &fallback);
      if (fallback)
        note(fmt::format("tensor '{}': calibration range is zero width [0, 0]; using [0, 1] (the tensor is always zero "
                         "on the calibration data)", g.tensor(id).name));
    }
    return out;
  }

  Expected<void> rewrite_ops(Graph& g, const CalibrationStats& stats, const std::vector<std::optional<QuantParams>>& params,
                             const std::vector<DType>& tensor_type, const std::vector<DType>& op_type) {
    int corrected = 0;
    for (size_t i = 0; i < g.ops.size(); ++i) {
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
    const bool per_channel = o_.per_channel && op0.kind != OpKind::FullyConnected;
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

  // Empirical bias correction (Nagel et al. 2019): the weight rounding error shifts the expected output of
  // channel c by sum_k (Wq - W)[c, k] * E[x_k]; E[x] per input channel comes from the calibration data, and
  // the shift is subtracted from the bias. Padding at borders is ignored (E[x] at every tap).
  bool correct_bias(const Graph& g, int i, int axis, const CalibrationStats& stats, const std::vector<float>& w,
                    const QuantizedWeights& qw, const Shape& wshape, int qaxis, std::vector<float>& bias) {
    const Op& op = g.ops[static_cast<size_t>(i)];
    auto it = stats.channel_means.find(g.tensor(op.inputs[0]).name);
    if (it == stats.channel_means.end() || it->second.count == 0) return false;
    std::vector<double> mean = it->second.mean();
    size_t in_channels = mean.size();
    std::vector<double> shift(bias.size(), 0.0);
    for (size_t k = 0; k < w.size(); ++k) {
      double delta = static_cast<double>(dequantized_weight(qw, wshape, qaxis, k)) - w[k];
      size_t c, ic;
      if (op.kind == OpKind::DepthwiseConv2D) {
        c = k % static_cast<size_t>(wshape[3]);
        int32_t mult = std::get<DepthwiseConv2DOptions>(op.options).depth_multiplier;
        ic = c / static_cast<size_t>(std::max(1, mult));
      } else {
        c = static_cast<size_t>(k / (w.size() / static_cast<size_t>(wshape[static_cast<size_t>(axis)])));
        ic = k % static_cast<size_t>(wshape.back());
        if (static_cast<size_t>(wshape.back()) != in_channels) return false;  // FC over a flattened 4-D input
      }
      if (ic >= in_channels) return false;
      shift[c] += delta * mean[ic];
    }
    for (size_t c = 0; c < bias.size(); ++c) bias[c] -= static_cast<float>(shift[c]);
    return true;
  }

  // An op whose precision differs from its input activation's gets a QUANTIZE converting it (mixed 8/16).
  void insert_converters(Graph& g, const std::vector<DType>& op_type) {
    std::vector<Op> ops;
    int inserted = 0;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      Op op = g.ops[i];
      size_t n = weight_channel_axis(op.kind) >= 0 ? 1 : op.inputs.size();
      for (size_t k = 0; k < n; ++k) {
        TensorId id = op.inputs[k];
        if (id == kNoTensor || g.tensor(id).is_constant || g.tensor(id).dtype == op_type[i]) continue;
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
    if (inserted) result_.counters["precision_converters"] = inserted;
  }

  // Float model edges: QUANTIZE after each input, DEQUANTIZE before each output; the float tensors keep the
  // original names, the int8 ones get "_int8".
  void add_float_edges(Graph& g) {
    std::vector<Op> front;
    for (TensorId& in : g.inputs) {
      Tensor f = g.tensor(in);
      f.dtype = DType::Float32;
      f.quant.reset();
      g.tensor(in).name += "_int8";
      TensorId fid = g.add_tensor(std::move(f));
      front.push_back(Op{OpKind::Quantize, std::monostate{}, {fid}, {in}});
      in = fid;
    }
    g.ops.insert(g.ops.begin(), front.begin(), front.end());
    for (TensorId& out : g.outputs) {
      Tensor f = g.tensor(out);
      f.dtype = DType::Float32;
      f.quant.reset();
      g.tensor(out).name += "_int8";
      TensorId fid = g.add_tensor(std::move(f));
      g.ops.push_back(Op{OpKind::Dequantize, std::monostate{}, {out}, {fid}});
      out = fid;
    }
  }

  void note(std::string s) { result_.notes.push_back(std::move(s)); }

  QuantizeOptions o_;
  PassResult result_;
};

}  // namespace

PassInfo quantize_pass_info() {
  return {"quantize",
          "Post-training full-integer quantization (TFLite int8 spec), calibrated on the pipeline's data.",
          {enum_option("activations", "int8", {"int8", "int16"}, "activation type: int8, or int16 with int8 weights (16x8)"),
           bool_option("bias-correction", false, "empirical bias correction of the weight rounding error"),
           bool_option("float-io", false, "keep float model inputs/outputs (QUANTIZE/DEQUANTIZE at the edges)"),
           list_option("int16-layers", "output tensor names of ops run in 16x8 (mixed precision)"),
           int_option("num-calib", 0, "calibration samples to use (0: all)", 0, 1e9),
           enum_option("observer", "minmax", {"minmax", "ema", "percentile", "mse", "kl"}, "activation range observer"),
           float_option("percentile", 99.99, "percentile observer: kept fraction in percent", 50.0, 100.0),
           enum_option("weights", "per-channel", {"per-channel", "per-tensor"}, "weight scale granularity")},
          [](const PassSpec& s) -> Expected<std::unique_ptr<Pass>> {
            QuantizeOptions o;
            o.per_channel = s.get_string("weights") == "per-channel";
            o.activations = s.get_string("activations") == "int16" ? DType::Int16 : DType::Int8;
            o.int16_layers = s.get_list("int16-layers");
            o.observer.kind = *observer_kind_from_name(s.get_string("observer"));
            o.observer.percentile = s.get_float("percentile");
            o.num_calib = static_cast<size_t>(s.get_int("num-calib"));
            o.float_io = s.get_bool("float-io");
            o.bias_correction = s.get_bool("bias-correction");
            return std::unique_ptr<Pass>(std::make_unique<QuantizePass>(std::move(o)));
          }};
}

}  // namespace tinyopt
