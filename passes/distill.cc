// passes/distill.cc: `distill`: knowledge-distillation fine-tuning of the current float graph (the student)
// towards a teacher: the model as it entered the pipeline (before prune / cluster), or teacher=FILE.
//
// Loss (Hinton et al. 2015), chosen from the student's head:
//   ends in SOFTMAX, labels given:  alpha * T^2 * KL(softmax(z_t/T) || softmax(z_s/T)) + (1 - alpha) * CE(labels)
//   ends in SOFTMAX, no labels:     T^2 * KL(...)   (pure distillation from unlabelled samples)
//   any other output:               MSE to the teacher's outputs (autoencoders, regressors)
// Training runs on train/'s engine (passes/distill_loop.h: held-out split, patience, best weights restored,
// deterministic for a seed and a thread count). What compression left is kept (passes/distill_constraints.h):
// exact zeros stay zero (element and N:M masks), clustered filters keep their assignment and train their
// centroids; channel-pruned graphs simply train. Gradual pruning (prune-granularity=element|N:M|channel) re-masks
// by magnitude on a cubic schedule (Zhu & Gupta 2017) as it trains; channels are chosen as `prune` chooses them
// and removed from the graph at the end (passes/distill_channels.h).
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/dataset/dataset.h"
#include "formats/model_reader.h"
#include "passes/distill_constraints.h"
#include "passes/distill_loop.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

struct DistillOptions {
  std::string teacher;  // empty: the model as it entered the pipeline
  double temperature = 4.0;
  double alpha = 0.5;
  int epochs = 1;
  int64_t steps = 0;
  int batch = 64;
  double lr = 1e-3;
  LrSchedule::Kind schedule = LrSchedule::Kind::Cosine;
  int64_t warmup = 0;
  int64_t lr_step = 1000;
  double lr_gamma = 0.1;
  OptimizerConfig::Kind optimizer = OptimizerConfig::Kind::AdamW;
  double weight_decay = 0.0;
  int64_t seed = 0;
  double holdout = 0.1;
  int patience = 0;
  int threads = 2;
  std::string prune_granularity = "none";
  double initial_sparsity = 0.0;
  double final_sparsity = 0.0;
  int64_t prune_begin = 0;
  int64_t prune_end = 0;
  int64_t prune_every = 100;
  double prune_macs = 1.0;      // channel: budgets (fractions kept at the end), as prune's macs= / params=
  double prune_params = 1.0;
  Allocation prune_allocation = Allocation::Uniform;
  FilterNorm prune_norm = FilterNorm::L2;
  double prune_max_layer_sparsity = 0.9;
  std::vector<std::string> prune_skip;
  bool qat = false;
};

// The metadata entry through which QAT's learned activation ranges reach the quantize pass (passes/quantize.cc
// reads and removes it): JSON {"tensor name": [min, max], ...}.
constexpr const char* kQatRangesMetadata = "tinyopt_qat_ranges";

std::string shape_text(const Shape& s) { return shape_to_string(s); }

// The teacher must take the student's inputs and give its outputs: names may differ, shapes and types not.
Expected<void> check_teacher(const Graph& student, const Graph& teacher) {
  auto side = [&](const std::vector<TensorId>& s, const std::vector<TensorId>& t, const char* what) -> Expected<void> {
    if (s.size() != t.size())
      return fail(Errc::BadInput, {.file = teacher.source, .option = "distill.teacher"},
                  "the teacher has {} {}s, the student {}", t.size(), what, s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      const Tensor& a = student.tensor(s[i]);
      const Tensor& b = teacher.tensor(t[i]);
      if (a.shape != b.shape || a.dtype != b.dtype)
        return fail(Errc::BadInput, {.file = teacher.source, .tensor = b.name, .option = "distill.teacher"},
                    "teacher {} {} is {} {}, the student's '{}' is {} {}", what, i, dtype_name(b.dtype), shape_text(b.shape),
                    a.name, dtype_name(a.dtype), shape_text(a.shape));
    }
    return {};
  };
  if (Expected<void> ok = side(student.inputs, teacher.inputs, "input"); !ok) return ok;
  return side(student.outputs, teacher.outputs, "output");
}

// A classifier's output is produced by a SOFTMAX that is the last op.
bool is_classifier(const Graph& g) {
  if (g.outputs.size() != 1 || g.ops.empty()) return false;
  auto p = g.producer(g.outputs[0]);
  return p && *p == static_cast<int>(g.ops.size()) - 1 && g.ops[static_cast<size_t>(*p)].kind == OpKind::Softmax;
}

std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }

class DistillPass : public Pass {
 public:
  DistillPass(DistillOptions o, GradualPruning pruning) : o_(std::move(o)), pruning_(pruning) {}

  Expected<PassResult> run(Graph& g, PassContext& ctx) override {
    for (const Tensor& t : g.tensors)
      if (!t.is_constant && t.dtype != DType::Float32)
        return fail(Errc::BadInput, {.file = g.source, .tensor = t.name},
                    "distill trains float models: this one is quantized; distill the float model, then quantize it");
    if (!ctx.training)
      return fail(Errc::BadInput, {.option = "--train"}, "pass 'distill' needs training samples: give --train DATA");
    std::optional<Graph> own_teacher;
    const Graph* teacher = ctx.teacher;
    if (!o_.teacher.empty()) {
      Expected<Graph> t = read_model_file(o_.teacher);
      if (!t) return t.take_error();
      own_teacher = std::move(*t);
      teacher = &*own_teacher;
    }
    if (!teacher) return fail(Errc::BadInput, {.option = "--teacher"}, "pass 'distill' needs a teacher: give --teacher FILE");
    if (Expected<void> ok = check_teacher(g, *teacher); !ok) return ok.take_error();
    if (g.inputs.size() != 1 || g.outputs.size() != 1)
      return fail(Errc::Unsupported, {.file = g.source}, "distill trains models with one input and one output (got {} and {})",
                  g.inputs.size(), g.outputs.size());

    const Dataset& data = *ctx.training;
    if (data.empty()) return fail(Errc::BadInput, {.file = data.source(), .option = "--train"}, "the training set is empty");
    const Tensor& in = g.tensor(g.inputs[0]);
    const int64_t per_sample = in.num_elements() / std::max<int64_t>(in.shape.empty() ? 1 : in.shape[0], 1);
    if (data.sample_elements() != per_sample)
      return fail(Errc::BadInput, {.file = data.source(), .tensor = in.name, .option = "--train"},
                  "samples of shape {} do not fit the model input {}", shape_text(data.sample_shape()), shape_text(in.shape));
    const bool classifier = is_classifier(g);
    const Tensor& out = g.tensor(g.outputs[0]);
    const int64_t classes = out.num_elements() / std::max<int64_t>(out.shape.empty() ? 1 : out.shape[0], 1);
    PassResult r;
    bool labels = data.has_labels();
    if (labels && !classifier) {
      r.notes.push_back("distill: the model does not end in SOFTMAX: labels are not used, the loss is MSE to the teacher");
      labels = false;
    }
    if (labels)
      for (size_t i = 0; i < data.size(); ++i)
        if (const int32_t y = data.label(i); y < 0 || y >= classes)
          return fail(Errc::BadInput, {.file = data.source(), .option = "--labels"},
                      "label {} of sample {} is outside [0, {}): the model's output '{}' has {} classes", y, i, classes,
                      out.name, classes);

    DistillSettings s;
    TrainConfig& tc = s.train;
    tc.batch_size = o_.batch;
    tc.threads = o_.threads;
    tc.seed = o_.seed != 0 ? static_cast<uint64_t>(o_.seed) : ctx.seed;
    tc.loss = classifier ? LossKind::Distillation : LossKind::TeacherMse;
    tc.temperature = static_cast<float>(o_.temperature);
    if (labels && !(o_.alpha < 1.0)) labels = false;  // alpha=1: pure distillation, labels only score held-out epochs
    tc.alpha = labels ? static_cast<float>(o_.alpha) : 1.f;
    tc.optimizer = {.kind = o_.optimizer, .weight_decay = o_.weight_decay};
    tc.schedule = {.kind = o_.schedule, .lr = o_.lr, .min_lr = o_.lr * 0.01, .step_size = o_.lr_step,
                   .gamma = o_.lr_gamma, .total_steps = 1, .warmup_steps = o_.warmup};
    WeightConstraints c = constraints_from_weights(g);
    tc.qat = o_.qat;
    tc.masks = std::move(c.masks);
    tc.ties = std::move(c.ties);
    s.epochs = o_.epochs;
    s.steps = o_.steps;
    s.holdout = o_.holdout;
    s.patience = o_.patience;
    s.pruning = pruning_;
    s.channels = {.initial = o_.initial_sparsity, .final = o_.final_sparsity, .macs = o_.prune_macs,
                  .params = o_.prune_params, .allocation = o_.prune_allocation, .norm = o_.prune_norm,
                  .cap = o_.prune_max_layer_sparsity, .skip = o_.prune_skip};
    s.classifier = classifier;
    Expected<DistillReport> d = run_distillation(g, *teacher, data, std::move(s), ctx);
    if (!d) return d.take_error();

    std::erase_if(g.metadata, [](const MetadataEntry& m) { return m.name == kQatRangesMetadata; });
    if (o_.qat) {
      nlohmann::ordered_json ranges = nlohmann::ordered_json::object();
      for (const auto& [name, range] : d->qat_ranges) ranges[name] = {range.first, range.second};
      const std::string text = ranges.dump();
      g.metadata.push_back({kQatRangesMetadata, std::vector<uint8_t>(text.begin(), text.end())});
      r.notes.push_back(fmt::format("distill: QAT learned the ranges of {} activations; a following quantize uses them",
                                    d->qat_ranges.size()));
    }
    r.changed = d->steps > 0;
    std::string held;
    if (d->agreement) held += fmt::format(", agreement {}", pct(*d->agreement));
    if (d->accuracy) held += fmt::format(", accuracy {}", pct(*d->accuracy));
    if (d->mse) held += fmt::format(", MSE {:.4g}", *d->mse);
    if (d->holdout_samples > 0 && d->best_epoch > 0)
      held = fmt::format("; held-out ({} samples){} at epoch {} (kept)", d->holdout_samples, held, d->best_epoch);
    r.summary = fmt::format("{} {} step{} ({} epoch{}{}) on {} samples ({}), loss {:.4f} -> {:.4f}{}",
                            classifier ? (labels ? "distilled (KD + labels)" : "distilled (KD, no labels)") : "distilled (MSE to teacher)",
                            d->steps, d->steps == 1 ? "" : "s", d->epochs, d->epochs == 1 ? "" : "s", d->early_stop ? ", stopped early" : "",
                            d->train_samples, fmt::format("{} zeros kept, {} clustered tensors tied", c.masked_weights, c.tied_tensors),
                            d->first_loss, d->last_loss, held);
    if (o_.qat) r.summary += "; quantization-aware (int8 fake-quant)";
    if (pruning_.active()) r.summary += fmt::format("; gradual {} pruning", o_.prune_granularity);
    if (const auto& ch = d->channels) {
      auto frac = [](int64_t a, int64_t b) { return pct(b ? static_cast<double>(a) / static_cast<double>(b) : 0.0); };
      r.summary += fmt::format(": removed {} of {} removable channels; MACs {} -> {} ({}), parameters {} -> {} ({})",
                               ch->channels_removed, ch->channels_removable, ch->before.macs, ch->after.macs,
                               frac(ch->after.macs, ch->before.macs), ch->before.parameters, ch->after.parameters,
                               frac(ch->after.parameters, ch->before.parameters));
    }
    r.counters = {{"steps", d->steps}, {"epochs", d->epochs}, {"train_samples", d->train_samples},
                  {"holdout_samples", d->holdout_samples}, {"best_epoch", d->best_epoch},
                  {"zeros_kept", c.masked_weights}, {"tied_tensors", c.tied_tensors}};
    if (d->agreement) r.counters["agreement_ppm"] = std::llround(1e6 * *d->agreement);
    if (d->accuracy) r.counters["accuracy_ppm"] = std::llround(1e6 * *d->accuracy);
    if (const auto& ch = d->channels) {
      r.counters["channels_removed"] = ch->channels_removed;
      r.counters["channels_removable"] = ch->channels_removable;
      r.counters["macs_before"] = ch->before.macs, r.counters["macs_after"] = ch->after.macs;
      r.counters["params_before"] = ch->before.parameters, r.counters["params_after"] = ch->after.parameters;
    }
    return r;
  }

 private:
  DistillOptions o_;
  GradualPruning pruning_;
};

Expected<std::unique_ptr<Pass>> make_distill(DistillOptions o) {
  if (o.epochs == 0 && o.steps == 0)
    return fail(Errc::BadInput, {.option = "distill.epochs"}, "0 epochs: train at least one epoch (or give steps=N)");
  Expected<GradualPruning> p = GradualPruning::parse(o.prune_granularity, "distill.prune-granularity");
  if (!p) return p.take_error();
  if (!(o.initial_sparsity <= o.final_sparsity))
    return fail(Errc::BadInput, {.option = "distill.initial-sparsity"}, "{} is above final-sparsity {}", o.initial_sparsity,
                o.final_sparsity);
  if (p->granularity == GradualGranularity::Element && !(o.final_sparsity > 0))
    return fail(Errc::BadInput, {.option = "distill.final-sparsity"}, "prune-granularity=element needs final-sparsity > 0");
  const bool budget = o.prune_macs < 1.0 || o.prune_params < 1.0;
  if (!(o.prune_macs > 0.0) || !(o.prune_params > 0.0))
    return fail(Errc::BadInput, {.option = o.prune_macs > 0.0 ? "distill.prune-params" : "distill.prune-macs"},
                "a budget is the fraction to keep, in (0, 1]");
  if (p->granularity == GradualGranularity::Channel && !(o.final_sparsity > 0) && !budget)
    return fail(Errc::BadInput, {.option = "distill.final-sparsity"},
                "prune-granularity=channel needs final-sparsity > 0 (a fraction of channels) or prune-macs= / prune-params=");
  if (p->granularity == GradualGranularity::Channel && budget && o.final_sparsity > 0)
    return fail(Errc::BadInput, {.option = "distill.final-sparsity"},
                "give either final-sparsity (a fraction of channels) or a budget (prune-macs= / prune-params=), not both");
  if (p->granularity != GradualGranularity::Channel && (budget || !o.prune_skip.empty()))
    return fail(Errc::BadInput, {.option = budget ? (o.prune_macs < 1.0 ? "distill.prune-macs" : "distill.prune-params")
                                                  : "distill.prune-skip"},
                "budgets and the skip list apply to prune-granularity=channel");
  if (!p->active() && o.final_sparsity > 0)
    return fail(Errc::BadInput, {.option = "distill.final-sparsity"},
                "final-sparsity needs prune-granularity=element or channel (or N:M)");
  if (o.prune_end != 0 && o.prune_end < o.prune_begin)
    return fail(Errc::BadInput, {.option = "distill.prune-end"}, "prune-end {} is before prune-begin {}", o.prune_end, o.prune_begin);
  p->initial = o.initial_sparsity, p->final = o.final_sparsity;
  p->begin = o.prune_begin, p->end = o.prune_end, p->every = o.prune_every;
  return std::unique_ptr<Pass>(std::make_unique<DistillPass>(std::move(o), *p));
}

}  // namespace

PassInfo distill_pass_info() {
  using O = DistillOptions;
  return pass_info<O>(
      "distill",
      "Knowledge-distillation fine-tuning of the float model towards a teacher (KD + labels, KD alone, or MSE), keeping "
      "pruned zeros and clusters; optional gradual pruning.",
      {option("teacher", &O::teacher, "teacher model file (default: the model as it entered the pipeline)"),
       option("temperature", &O::temperature, "softmax temperature T of the KL term", OptionRange{0.05, 100}),
       option("alpha", &O::alpha, "weight of the KL term when labels are given (1 - alpha: cross-entropy)", OptionRange{0, 1}),
       option("epochs", &O::epochs, "passes over the training samples (ignored when steps > 0)", OptionRange{0, 100000}),
       option("steps", &O::steps, "optimisation steps (0: epochs decide)", OptionRange{0, 1e12}),
       option("batch", &O::batch, "samples per step", OptionRange{1, 65536}),
       option("lr", &O::lr, "peak learning rate", OptionRange{0, 10}),
       option("schedule", &O::schedule, "learning rate schedule: cosine (to lr/100), step (x gamma every lr-step), constant",
              EnumNames<LrSchedule::Kind>{{"cosine", LrSchedule::Kind::Cosine}, {"step", LrSchedule::Kind::Step},
                                          {"constant", LrSchedule::Kind::Constant}}),
       option("warmup", &O::warmup, "steps of linear warm-up", OptionRange{0, 1e12}),
       option("lr-step", &O::lr_step, "schedule=step: steps between decays", OptionRange{1, 1e12}),
       option("lr-gamma", &O::lr_gamma, "schedule=step: decay factor", OptionRange{0, 1}),
       option("optimizer", &O::optimizer, "adamw (decoupled weight decay), adam (L2) or sgd (momentum 0.9)",
              EnumNames<OptimizerConfig::Kind>{{"adamw", OptimizerConfig::Kind::AdamW}, {"adam", OptimizerConfig::Kind::Adam},
                                               {"sgd", OptimizerConfig::Kind::Sgd}}),
       option("weight-decay", &O::weight_decay, "weight decay of filters (not biases)", OptionRange{0, 1}),
       option("seed", &O::seed, "shuffling and held-out split (0: the pipeline's --seed)", OptionRange{0, 9007199254740992.0}),
       option("holdout", &O::holdout, "fraction of the samples held out to pick the best epoch", OptionRange{0, 0.5}),
       option("patience", &O::patience, "held-out epochs without improvement before stopping (0: never)", OptionRange{0, 100000}),
       option("threads", &O::threads, "worker threads (results depend on it, deterministically)", OptionRange{1, 64}),
       option("prune-granularity", &O::prune_granularity,
              "gradual pruning while training: none, element, N:M (e.g. 2:4) or channel (removed at the end)"),
       option("initial-sparsity", &O::initial_sparsity, "element/channel: sparsity at prune-begin", OptionRange{0, 0.99}),
       option("final-sparsity", &O::final_sparsity, "element/channel: sparsity (channel: fraction of channels) from prune-end on",
              OptionRange{0, 0.99}),
       option("prune-begin", &O::prune_begin, "step of the first re-masking", OptionRange{0, 1e12}),
       option("prune-end", &O::prune_end, "step where the final sparsity is reached (0: 3/4 of the steps)", OptionRange{0, 1e12}),
       option("prune-every", &O::prune_every, "steps between re-maskings", OptionRange{1, 1e12}),
       option("prune-macs", &O::prune_macs, "channel: keep at most this fraction of the MACs at the end (1: no budget)",
              OptionRange{0, 1}),
       option("prune-params", &O::prune_params, "channel: keep at most this fraction of the parameters (1: no budget)",
              OptionRange{0, 1}),
       option("prune-allocation", &O::prune_allocation, "channel: uniform (every layer alike) or global (ranked across layers)",
              EnumNames<Allocation>{{"uniform", Allocation::Uniform}, {"global", Allocation::Global}}),
       option("prune-norm", &O::prune_norm, "channel ranking: L1 or L2 norm of each filter, summed over a residual group",
              EnumNames<FilterNorm>{{"l2", FilterNorm::L2}, {"l1", FilterNorm::L1}}),
       option("prune-max-layer-sparsity", &O::prune_max_layer_sparsity, "channel: most of one layer's channels that may go",
              OptionRange{0, 0.99}),
       option("prune-skip", &O::prune_skip, "channel: layers left whole (name glob or #op)"),
       option("qat", &O::qat, "quantization-aware: int8 fake-quantized filters and activations; quantize then uses the "
              "learned activation ranges")},
      make_distill, PassNeeds{.training_data = true, .teacher = true});
}

}  // namespace tinyopt
