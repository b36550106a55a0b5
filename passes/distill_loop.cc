// passes/distill_loop.cc: the distill pass's loop (see distill_loop.h).
#include "passes/distill_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "ir/rng.h"
#include "passes/prune_layers.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"
#include "train/batching.h"
#include "train/tape.h"

namespace tinyopt {
namespace {

// The held-out split is drawn with its own stream of the seed, so it does not move with the batch order.
constexpr uint64_t kSplitSeedSalt = 0x64697374696c6cull;  // "distill"

using Outputs = std::vector<std::vector<float>>;

Expected<Outputs> outputs_of(const Graph& g, const Dataset& d, int threads) {
  Expected<Evaluation> e = evaluate_model(g, d, {.threads = static_cast<unsigned>(threads)});
  if (!e) return e.take_error();
  Outputs out;
  for (size_t s = 0; s < e->samples; ++s) out.push_back(e->outputs[0].values(s));
  return out;
}

struct Score {
  std::optional<double> agreement, accuracy, mse;
  // Larger is better: accuracy, then agreement; or -MSE.
  double key() const { return accuracy ? *accuracy + 1e-6 * agreement.value_or(0) : agreement ? *agreement : -mse.value_or(0); }
};

Score score(const Outputs& student, const Outputs& teacher, const Dataset& data, bool classifier) {
  Score s;
  const size_t n = student.size();
  if (n == 0) return s;
  if (classifier) {
    size_t agree = 0, correct = 0;
    for (size_t i = 0; i < n; ++i) {
      const int32_t a = argmax(student[i]);
      agree += a == argmax(teacher[i]);
      if (data.has_labels()) correct += a == data.label(i);
    }
    s.agreement = static_cast<double>(agree) / static_cast<double>(n);
    if (data.has_labels()) s.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  } else {
    double sum = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < student[i].size(); ++j, ++count) {
        const double d = double{student[i][j]} - teacher[i][j];
        sum += d * d;
      }
    s.mse = count ? sum / static_cast<double>(count) : 0.0;
  }
  return s;
}

bool all_finite(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

// The first op of `g` whose output is non-finite on one of `samples`, as an error; nullopt when every op is finite.
std::optional<Error> first_non_finite_op(const Graph& g, const std::vector<std::vector<float>>& samples,
                                         const std::string& what, const std::string& prefix) {
  Expected<Graph> one = with_batch_size(g, 1);
  if (!one) return one.take_error();
  Expected<std::unique_ptr<TapeProgram>> program = TapeProgram::create(std::move(*one), {.backward = false, .frozen = {}});
  if (!program) return program.take_error();
  Tape tape(**program);
  const Graph& pg = (*program)->graph();
  for (const std::vector<float>& x : samples) {
    std::copy(x.begin(), x.end(), tape.input(0).begin());
    tape.forward();
    for (size_t i = 0; i < pg.ops.size(); ++i)
      for (TensorId out : pg.ops[i].outputs)
        if (pg.tensor(out).dtype == DType::Float32 && !all_finite(tape.values(out))) {
          Location at = g.where(static_cast<int>(i));
          at.tensor = pg.tensor(out).name;
          at.option = "distill";
          return fail(Errc::BadInput, at, "{}: {} produced the first non-finite value; nothing written", prefix, what);
        }
  }
  return std::nullopt;
}

// Why the loss became non-finite at `step`: weights, an input sample, the student's or the teacher's first op.
Error non_finite_loss(const Graph& student, const Graph& teacher, const Dataset& train, std::span<const int64_t> batch,
                      double loss, int64_t step, int epoch) {
  const std::string prefix = fmt::format("the loss became {} at step {} (epoch {})", loss, step + 1, epoch);
  for (const PrunableLayer& l : prunable_layers(student))
    for (size_t slot = 1; slot < 3; ++slot) {
      const TensorId id = student.ops[static_cast<size_t>(l.op)].input(slot);
      if (id == kNoTensor || student.tensor(id).dtype != DType::Float32) continue;
      if (!all_finite(student.tensor(id).values<float>())) {
        Location at = student.where(l.op);
        at.tensor = student.tensor(id).name;
        at.option = "distill";
        return fail(Errc::BadInput, at, "{}: this op's weights hold a non-finite value; nothing written", prefix);
      }
    }
  std::vector<std::vector<float>> samples;
  for (int64_t k : batch) {
    Expected<std::vector<float>> x = train.sample(static_cast<size_t>(k));
    if (!x) return x.take_error();
    if (!all_finite(*x)) {
      const SampleOrigin o = train.origin(static_cast<size_t>(k));
      return fail(Errc::BadInput, {.file = o.file, .option = "--train"},
                  "{}: sample {}{} holds a non-finite value; nothing written", prefix, o.index,
                  o.item.empty() ? "" : " of " + o.item);
    }
    samples.push_back(std::move(*x));
  }
  if (auto e = first_non_finite_op(student, samples, "the student's op", prefix)) return *e;
  if (auto e = first_non_finite_op(teacher, samples, "the teacher's op", prefix)) return *e;
  return fail(Errc::BadInput, {.option = "distill"}, "{} with every activation finite (try a lower lr=); nothing written", prefix);
}

struct PrunedLayer {
  TensorId weights;
  Shape shape;
  OpKind kind;
  std::vector<uint8_t> base;  // the entering zeros (empty: none)
};

}  // namespace

Expected<DistillReport> run_distillation(Graph& student, const Graph& teacher, const Dataset& data,
                                         DistillSettings s, const PassContext& ctx) {
  TrainConfig& tc = s.train;
  const size_t n = data.size();
  size_t held = static_cast<size_t>(std::floor(s.holdout * static_cast<double>(n)));
  if (held >= n) held = 0;
  const Dataset mixed = held ? data.shuffled(tc.seed ^ kSplitSeedSalt) : data;
  const Dataset holdout = mixed.slice(0, held), train = mixed.slice(held, n - held);
  if (train.empty()) return fail(Errc::BadInput, {.file = data.source(), .option = "--train"}, "the training set is empty");

  DistillReport report;
  report.train_samples = static_cast<int64_t>(train.size());
  report.holdout_samples = static_cast<int64_t>(holdout.size());
  Outputs teacher_holdout;
  if (held) {
    Expected<Outputs> t = outputs_of(teacher, holdout, tc.threads);
    if (!t) return t.take_error();
    teacher_holdout = std::move(*t);
  }

  const int64_t steps_per_epoch = (static_cast<int64_t>(train.size()) + tc.batch_size - 1) / tc.batch_size;
  const int64_t total = s.steps > 0 ? s.steps : static_cast<int64_t>(s.epochs) * steps_per_epoch;
  const int64_t planned_epochs = (total + steps_per_epoch - 1) / steps_per_epoch;
  if (tc.schedule.kind == LrSchedule::Kind::Cosine) tc.schedule.total_steps = total;
  GradualPruning& gp = s.pruning;
  // Default prune-end: 3/4 of the run, and always one of its steps (a 1-step run reaches the target at step 0).
  if (gp.active() && gp.end <= 0)
    gp.end = std::max<int64_t>(gp.begin, std::min<int64_t>(std::llround(0.75 * static_cast<double>(total)), total - 1));
  report.final_sparsity = gp.granularity == GradualGranularity::Element ? gp.final : 0;

  std::optional<GradualChannelPruning> channels;
  if (gp.granularity == GradualGranularity::Channel) {
    // The final choice is made at step prune-end: it must be a step of the run.
    if (gp.end >= total)
      return fail(Errc::BadInput, {.option = "distill.prune-end"},
                  "prune-end {} is not before the end of the run ({} steps): the channels would never reach the target",
                  gp.end, total);
    Expected<GradualChannelPruning> c = GradualChannelPruning::create(student, s.channels);
    if (!c) return c.take_error();
    channels = std::move(*c);
  }
  const std::vector<std::pair<TensorId, std::vector<uint8_t>>> entering_masks = tc.masks;
  int64_t channels_masked = 0, channels_removable = 0;

  std::vector<PrunedLayer> layers;
  if (gp.active() && !channels) {
    std::map<TensorId, const std::vector<uint8_t>*> base;
    for (const auto& [id, mask] : tc.masks) base[id] = &mask;
    for (const PrunableLayer& l : prunable_layers(student)) {
      const Tensor& w = student.tensor(l.weights);
      PrunedLayer p{l.weights, w.shape, student.ops[static_cast<size_t>(l.op)].kind, {}};
      if (auto it = base.find(l.weights); it != base.end()) p.base = *it->second;
      layers.push_back(std::move(p));
    }
  }

  tc.teacher = &teacher;
  Expected<std::unique_ptr<Trainer>> created = Trainer::create(student, tc);
  if (!created) return created.take_error();
  Trainer& trainer = **created;

  const auto per_sample = static_cast<size_t>(data.sample_elements());
  const auto bs = static_cast<size_t>(tc.batch_size);
  std::vector<float> x(bs * per_sample);
  std::vector<int32_t> y(bs);
  const bool labels = tc.loss == LossKind::Distillation && data.has_labels() && tc.alpha < 1.f;
  std::vector<int64_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(tc.seed);

  std::optional<Graph> best;
  double best_key = -1e300;
  int since_best = 0;
  double epoch_loss = 0;
  int64_t epoch_samples = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < total; ++step) {
    const int64_t in_epoch = step % steps_per_epoch;
    if (in_epoch == 0) rng.shuffle(std::span<int64_t>(order));
    if (channels && gp.remask_at(step)) {
      Graph now = student;
      trainer.write_parameters(now);
      Expected<std::vector<bool>> chosen = channels->choose(now, gp.progress_at(step));
      if (!chosen) return chosen.take_error();
      for (auto& [id, mask] : channels->masks(now, entering_masks))
        if (Expected<void> ok = trainer.set_mask(id, std::move(mask)); !ok) return ok.take_error();
      channels_masked = std::count(chosen->begin(), chosen->end(), true);
      channels_removable = channels->removable();
    } else if (gp.remask_at(step)) {
      const double target = gp.sparsity_at(step);
      for (const PrunedLayer& l : layers)
        if (Expected<void> ok = trainer.set_mask(l.weights, magnitude_mask(trainer.parameter_values(l.weights), l.shape,
                                                                            l.kind, l.base, gp, target));
            !ok)
          return ok.take_error();
    }
    const int64_t begin = in_epoch * tc.batch_size;
    const int count = static_cast<int>(std::min<int64_t>(tc.batch_size, static_cast<int64_t>(train.size()) - begin));
    const std::span<const int64_t> batch(order.data() + begin, static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      const auto k = static_cast<size_t>(batch[static_cast<size_t>(i)]);
      if (Expected<void> ok = train.read(k, std::span<float>(x).subspan(static_cast<size_t>(i) * per_sample, per_sample)); !ok)
        return ok.take_error();
      if (labels) y[static_cast<size_t>(i)] = train.label(k);
    }
    Expected<double> loss = trainer.step(x, labels ? std::span<const int32_t>(y) : std::span<const int32_t>{}, {}, count);
    if (!loss) return loss.take_error();
    const int epoch = static_cast<int>(step / steps_per_epoch) + 1;
    if (!std::isfinite(*loss)) {
      Graph now = student;
      trainer.write_parameters(now);
      return non_finite_loss(now, teacher, train, batch, *loss, step, epoch);
    }
    epoch_loss += *loss * count;
    epoch_samples += count;
    if (in_epoch + 1 != steps_per_epoch && step + 1 != total) continue;

    // End of an epoch: held-out figures, best weights, progress.
    const double mean_loss = epoch_loss / static_cast<double>(std::max<int64_t>(epoch_samples, 1));
    if (report.epochs == 0) report.first_loss = mean_loss;
    report.last_loss = mean_loss;
    report.epochs = epoch;
    report.steps = step + 1;
    epoch_loss = 0, epoch_samples = 0;
    std::map<std::string, double> figures{{"epoch", epoch}, {"epochs", static_cast<double>(planned_epochs)},
                                          {"step", static_cast<double>(step + 1)}, {"steps", static_cast<double>(total)},
                                          {"loss", mean_loss}, {"lr", tc.schedule.at(step)}};
    if (channels)  // the fraction of removable channels masked now
      figures["sparsity"] = channels_removable ? static_cast<double>(channels_masked) / static_cast<double>(channels_removable) : 0.0;
    else if (gp.active())
      figures["sparsity"] = gp.granularity == GradualGranularity::Element ? gp.sparsity_at(step) : 0.0;
    if (held) {
      Graph now = student;
      trainer.write_parameters(now);
      Expected<Outputs> outs = outputs_of(now, holdout, tc.threads);
      if (!outs) return outs.take_error();
      const Score sc = score(*outs, teacher_holdout, holdout, s.classifier);
      if (sc.agreement) figures["agreement"] = *sc.agreement;
      if (sc.accuracy) figures["accuracy"] = *sc.accuracy;
      if (sc.mse) figures["mse"] = *sc.mse;
      // Only weights at the final sparsity compete: an earlier, denser epoch would undo the pruning.
      const bool eligible = !gp.active() || step >= gp.end;
      if (eligible && sc.key() > best_key) {
        best_key = sc.key();
        best = std::move(now);
        report.best_epoch = epoch;
        report.agreement = sc.agreement, report.accuracy = sc.accuracy, report.mse = sc.mse;
        since_best = 0;
      } else if (eligible) {
        ++since_best;
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    figures["seconds"] = seconds;
    figures["eta_seconds"] = seconds / static_cast<double>(step + 1) * static_cast<double>(total - step - 1);
    if (ctx.on_progress) ctx.on_progress("distill", figures);
    if (s.patience > 0 && since_best >= s.patience && step + 1 < total) {
      report.early_stop = true;
      break;
    }
  }
  if (best) {
    trainer.read_parameters(*best);
  }
  Graph trained = student;
  trainer.write_parameters(trained);
  if (channels) {  // on a copy: an error leaves the student as it entered
    Expected<GradualChannelPruning::Removal> r = channels->remove(trained);
    if (!r) return r.take_error();
    report.channels = *r;
  }
  student = std::move(trained);
  report.qat_ranges = trainer.qat_ranges();
  return report;
}

}  // namespace tinyopt
