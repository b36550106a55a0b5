// train/trainer.cc: the training loop (split, forward/loss/backward per worker, fixed-order reduction, update)
// and batched evaluation.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>

#include "train/batching.h"
#include "train/fake_quant.h"
#include "train/losses.h"
#include "ir/rng.h"

namespace tinyopt {
namespace {

// Runs fn(w) for w in [0, workers) with worker 0 on the calling thread.
template <class Fn> void run_parallel(int workers, Fn&& fn) {
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back([&fn, w] { fn(w); });
  fn(0);
  for (auto& t : threads) t.join();
}

}  // namespace

Expected<std::unique_ptr<Trainer>> Trainer::create(const Graph& model, TrainConfig config) {
  if (config.batch_size <= 0 || config.threads <= 0 || config.epochs < 0)
    return fail(Errc::BadInput, {.option = "train"}, "batch size {}, threads {} and epochs {} must be positive",
                config.batch_size, config.threads, config.epochs);
  if (model.inputs.size() != 1 || model.outputs.size() != 1)
    return fail(Errc::Unsupported, {.file = model.source}, "training needs one graph input and one output (got {} and {})",
                model.inputs.size(), model.outputs.size());
  std::unique_ptr<Trainer> t(new Trainer(std::move(config)));
  TrainConfig& c = t->config_;
  const int workers = std::min(c.threads, c.batch_size);
  c.threads = workers;
  t->per_worker_ = (c.batch_size + workers - 1) / workers;

  auto batched = with_batch_size(model, t->per_worker_);
  if (!batched) return batched.take_error();
  auto program = TapeProgram::create(std::move(*batched), {.backward = true, .frozen = c.frozen});
  if (!program) return program.take_error();
  t->program_ = std::move(*program);
  const Graph& g = t->program_->graph();
  if (t->program_->parameters().empty())
    return fail(Errc::BadInput, {.file = model.source}, "the model has no trainable float parameters");

  t->output_ = g.outputs[0];
  const Shape& out_shape = g.tensor(t->output_).shape;
  t->classes_ = static_cast<int>(g.tensor(t->output_).num_elements() / t->per_worker_);
  t->end_op_ = static_cast<int>(g.ops.size());
  if (auto p = g.producer(t->output_); p && g.ops[static_cast<size_t>(*p)].kind == OpKind::Softmax &&
                                       *p == static_cast<int>(g.ops.size()) - 1 && c.loss != LossKind::MeanSquaredError &&
                                       c.loss != LossKind::TeacherMse) {
    const Op& sm = g.ops[static_cast<size_t>(*p)];
    t->logits_ = sm.inputs[0];
    t->end_op_ = *p;
    if (const auto* o = std::get_if<SoftmaxOptions>(&sm.options)) t->beta_ = o->beta;
  }
  if (out_shape.empty()) return fail(Errc::Unsupported, {.file = model.source}, "the output is a scalar");

  // Masks, aligned with the parameter list.
  const auto& params = t->program_->parameters();
  t->masks_.assign(params.size(), {});
  for (auto& [id, mask] : c.masks) {
    auto it = std::find(params.begin(), params.end(), id);
    if (it == params.end())
      return fail(Errc::BadInput, {.file = model.source}, "mask for tensor #{} which is not a trainable parameter", id);
    if (static_cast<int64_t>(mask.size()) != g.tensor(id).num_elements())
      return fail(Errc::BadInput, {.file = model.source, .tensor = g.tensor(id).name},
                  "mask has {} entries, the tensor {}", mask.size(), g.tensor(id).num_elements());
    t->masks_[static_cast<size_t>(it - params.begin())] = mask;
  }
  t->ties_.assign(params.size(), {});
  for (auto& [id, tie] : c.ties) {
    auto it = std::find(params.begin(), params.end(), id);
    if (it == params.end() || static_cast<int64_t>(tie.size()) != g.tensor(id).num_elements())
      return fail(Errc::BadInput, {.file = model.source, .tensor = g.tensor(id).name},
                  "tie groups given for a tensor that is not a trainable parameter of that size");
    t->ties_[static_cast<size_t>(it - params.begin())] = tie;
  }
  if (c.loss == LossKind::Distillation || c.loss == LossKind::TeacherMse) {
    if (!c.teacher) return fail(Errc::BadInput, {.option = "distill"}, "distillation needs a teacher model");
    auto tb = with_batch_size(*c.teacher, t->per_worker_);
    if (!tb) return tb.take_error();
    auto tp = TapeProgram::create(std::move(*tb), {.backward = false, .frozen = {}});
    if (!tp) return tp.take_error();
    t->teacher_ = std::move(*tp);
    const Graph& tg = t->teacher_->graph();
    if (tg.inputs.size() != 1 || tg.outputs.size() != 1 ||
        tg.tensor(tg.inputs[0]).shape != g.tensor(g.inputs[0]).shape ||
        tg.tensor(tg.outputs[0]).shape != g.tensor(t->output_).shape)
      return fail(Errc::BadInput, {.file = c.teacher->source}, "teacher input/output shapes differ from the student's");
  }
  if (c.qat) {
    for (const Op& op : g.ops) {
      const bool weighted = op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D || op.kind == OpKind::FullyConnected;
      if (!weighted && op.kind != OpKind::Add && op.kind != OpKind::Sub && op.kind != OpKind::Mul) continue;
      for (TensorId out : op.outputs)
        if (!g.tensor(out).is_constant && g.tensor(out).dtype == DType::Float32) t->fq_tensors_.push_back(out);
      if (!weighted) continue;
      auto it = std::find(params.begin(), params.end(), op.input(1));
      if (it == params.end()) continue;
      // quantize's axes: CONV_2D 0, DEPTHWISE_CONV_2D 3, FULLY_CONNECTED per tensor.
      const int axis = op.kind == OpKind::Conv2D ? 0 : op.kind == OpKind::DepthwiseConv2D ? 3 : -1;
      t->fq_weights_.emplace_back(static_cast<size_t>(it - params.begin()), axis);
    }
    t->fq_ranges_.assign(t->fq_tensors_.size(), {1.f, 0.f});
  }
  for (int w = 0; w < workers; ++w) {
    t->tapes_.push_back(std::make_unique<Tape>(*t->program_));
    if (c.qat) t->tapes_.back()->set_fake_quant(t->fq_tensors_);
    if (t->teacher_) t->teacher_tapes_.push_back(std::make_unique<Tape>(*t->teacher_));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const TensorId id = params[i];
    t->slots_.push_back({.value = t->program_->parameter_values(id),
                         .grad = t->tapes_[0]->grad(id),
                         .mask = t->masks_[i],
                         .decay = g.tensor(id).shape.size() > 1});
    if (!t->masks_[i].empty()) {  // start from a masked model
      auto v = t->slots_.back().value;
      for (size_t j = 0; j < v.size(); ++j)
        if (!t->masks_[i][j]) v[j] = 0.f;
    }
  }
  t->worker_loss_.assign(static_cast<size_t>(workers), 0);
  t->worker_correct_.assign(static_cast<size_t>(workers), 0);
  t->weights_.assign(static_cast<size_t>(workers * t->per_worker_), 0.f);
  return t;
}

void Trainer::run_worker(int w, std::span<const float> inputs, std::span<const int32_t> labels,
                         std::span<const float> targets, int first, int count) {
  Tape& tape = *tapes_[static_cast<size_t>(w)];
  const size_t sample = inputs.size() / static_cast<size_t>(std::max(config_.batch_size, 1));
  const int n = std::clamp(count - first, 0, per_worker_);  // real samples in this worker's slice
  auto in = tape.input(0);
  const size_t per_sample = in.size() / static_cast<size_t>(per_worker_);
  (void)sample;
  std::memcpy(in.data(), inputs.data() + static_cast<size_t>(first) * per_sample, static_cast<size_t>(n) * per_sample * sizeof(float));
  std::fill(in.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(n) * per_sample), in.end(), 0.f);
  std::span<float> weight(weights_.data() + static_cast<size_t>(w * per_worker_), static_cast<size_t>(per_worker_));
  for (int i = 0; i < per_worker_; ++i) weight[static_cast<size_t>(i)] = i < n ? 1.f : 0.f;
  tape.zero_grad();
  tape.forward();

  const float scale = 1.f / static_cast<float>(count);
  const auto rows = static_cast<size_t>(per_worker_);
  std::vector<int32_t> lab(rows, 0);
  if (!labels.empty())
    for (int i = 0; i < n; ++i) lab[static_cast<size_t>(i)] = labels[static_cast<size_t>(first + i)];
  const bool fused = logits_ != kNoTensor;
  const TensorId seed = fused ? logits_ : output_;
  auto grad = tape.grad(seed);
  auto z = tape.values(seed);
  double loss = 0;
  switch (config_.loss) {
    case LossKind::CrossEntropy:
      loss = fused ? softmax_cross_entropy(z, beta_, lab, classes_, weight, scale, grad)
                   : cross_entropy_probs(z, lab, classes_, weight, scale, grad);
      break;
    case LossKind::MeanSquaredError: {
      std::vector<float> tgt(rows * static_cast<size_t>(classes_), 0.f);
      std::copy_n(targets.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(first) * static_cast<size_t>(classes_)),
                  static_cast<size_t>(n) * static_cast<size_t>(classes_), tgt.begin());
      loss = mean_squared_error(z, tgt, classes_, weight, scale, grad);
      break;
    }
    case LossKind::Distillation: {
      Tape& teacher = *teacher_tapes_[static_cast<size_t>(w)];
      std::copy(in.begin(), in.end(), teacher.input(0).begin());
      teacher.forward();
      auto pt = teacher.values(teacher.program().graph().outputs[0]);
      // A student without a softmax head is treated as log-probabilities: z = log p (gradient via dp = p dz).
      std::vector<float> logp;
      std::vector<float> glogp;
      std::span<const float> student = z;
      std::span<float> g = grad;
      if (!fused) {
        logp.resize(z.size());
        glogp.assign(z.size(), 0.f);
        for (size_t i = 0; i < z.size(); ++i) logp[i] = std::log(std::max(z[i], 1e-30f));
        student = logp, g = glogp;
      }
      const float beta = fused ? beta_ : 1.f;
      loss = config_.alpha * softmax_kl_divergence(student, beta, pt, config_.temperature, classes_, weight,
                                                   scale * config_.alpha, g);
      if (!labels.empty() && config_.alpha < 1.f)
        loss += (1 - config_.alpha) * softmax_cross_entropy(student, beta, lab, classes_, weight,
                                                            scale * (1 - config_.alpha), g);
      if (!fused)
        for (size_t i = 0; i < z.size(); ++i) grad[i] += glogp[i] / std::max(z[i], 1e-30f);
      break;
    }
    case LossKind::TeacherMse: {
      Tape& teacher = *teacher_tapes_[static_cast<size_t>(w)];
      std::copy(in.begin(), in.end(), teacher.input(0).begin());
      teacher.forward();
      loss = mean_squared_error(z, teacher.values(teacher.program().graph().outputs[0]), classes_, weight, scale, grad);
      break;
    }
  }
  int64_t correct = 0;
  if (!labels.empty()) {
    auto out = tape.values(output_);
    for (int i = 0; i < n; ++i)
      correct += argmax(out.subspan(static_cast<size_t>(i) * static_cast<size_t>(classes_), static_cast<size_t>(classes_))) ==
                 lab[static_cast<size_t>(i)];
  }
  worker_loss_[static_cast<size_t>(w)] = loss;
  worker_correct_[static_cast<size_t>(w)] = correct;
  tape.backward(end_op_);
}

Expected<double> Trainer::step(std::span<const float> inputs, std::span<const int32_t> labels,
                               std::span<const float> targets, int count) {
  if (count <= 0 || count > config_.batch_size)
    return fail(Errc::Internal, {}, "step with {} samples (batch size {})", count, config_.batch_size);
  const bool need_labels = config_.loss == LossKind::CrossEntropy;
  if ((need_labels && labels.size() < static_cast<size_t>(count)) ||
      (config_.loss == LossKind::MeanSquaredError && targets.size() < static_cast<size_t>(count * classes_)))
    return fail(Errc::BadInput, {.option = "labels"}, "the {} loss needs {} per sample",
                need_labels ? "cross-entropy" : "MSE", need_labels ? "a label" : "a target");
  const int workers = static_cast<int>(tapes_.size());
  fq_masters_.resize(fq_weights_.size());
  for (size_t k = 0; k < fq_weights_.size(); ++k) {  // QAT: the fake-quantized filters in place for this step
    const auto [i, axis] = fq_weights_[k];
    std::span<float> v = slots_[i].value;
    fq_masters_[k].assign(v.begin(), v.end());
    fake_quantize_weights(v, program_->graph().tensor(program_->parameters()[i]).shape, axis);
  }
  for (auto& tape : tapes_)
    if (!fq_tensors_.empty()) tape->ranges() = fq_ranges_;
  run_parallel(workers, [&](int w) { run_worker(w, inputs, labels, targets, w * per_worker_, count); });
  for (size_t k = 0; k < fq_weights_.size(); ++k)
    std::copy(fq_masters_[k].begin(), fq_masters_[k].end(), slots_[fq_weights_[k].first].value.begin());
  for (size_t k = 0; k < fq_ranges_.size(); ++k) {  // batch range over the workers in order, then the average
    std::pair<float, float> seen = tapes_[0]->observed()[k];
    for (int w = 1; w < workers; ++w) {
      const auto& o = tapes_[static_cast<size_t>(w)]->observed()[k];
      seen = {std::min(seen.first, o.first), std::max(seen.second, o.second)};
    }
    auto& r = fq_ranges_[k];
    const auto m = static_cast<float>(config_.qat_momentum);
    r = r.first > r.second ? seen : std::pair<float, float>{m * r.first + (1 - m) * seen.first, m * r.second + (1 - m) * seen.second};
  }
  double loss = 0;
  for (double l : worker_loss_) loss += l;
  // A non-finite loss leaves the parameters as they were, so the caller can tell what produced it.
  if (!std::isfinite(loss)) return loss / count;
  // Fixed-order reduction into worker 0's gradients.
  for (const TensorId id : program_->parameters()) {
    auto g0 = tapes_[0]->grad(id);
    for (int w = 1; w < workers; ++w) {
      auto gw = tapes_[static_cast<size_t>(w)]->grad(id);
      for (size_t j = 0; j < g0.size(); ++j) g0[j] += gw[j];
    }
  }
  apply_ties_to_gradients();
  const double lr = config_.schedule.at(optimizer_.steps_taken());
  optimizer_.step(slots_, lr);
  apply_ties_to_values();
  return loss / count;
}

Expected<std::vector<EpochReport>> Trainer::fit(const Dataset& data) {
  const auto size = static_cast<int64_t>(data.size());
  if (size <= 0) return fail(Errc::BadInput, {.option = "data"}, "the dataset is empty");
  const Graph& g = program_->graph();
  const int64_t per_sample = g.tensor(g.inputs[0]).num_elements() / per_worker_;
  if (data.sample_elements() != per_sample)
    return fail(Errc::BadInput, {.tensor = g.tensor(g.inputs[0]).name},
                "samples of shape {} do not fit the model input {}", shape_to_string(data.sample_shape()),
                shape_to_string(g.tensor(g.inputs[0]).shape));
  const int64_t steps_per_epoch = (size + config_.batch_size - 1) / config_.batch_size;
  if (config_.schedule.kind == LrSchedule::Kind::Cosine && config_.schedule.total_steps <= 1)
    config_.schedule.total_steps = steps_per_epoch * config_.epochs;
  Rng rng(config_.seed);
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  const auto bs = static_cast<size_t>(config_.batch_size);
  std::vector<float> x(bs * static_cast<size_t>(per_sample));
  std::vector<int32_t> y(bs);
  const int64_t target_elements = data.target_elements();
  std::vector<float> tgt(bs * static_cast<size_t>(std::max<int64_t>(target_elements, 1)));
  std::vector<EpochReport> reports;
  for (int e = 0; e < config_.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    rng.shuffle(std::span<int64_t>(order));
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      const int64_t begin = s * config_.batch_size;
      const int count = static_cast<int>(std::min<int64_t>(config_.batch_size, size - begin));
      for (int i = 0; i < count; ++i) {
        const auto k = static_cast<size_t>(order[static_cast<size_t>(begin + i)]);
        const auto per = static_cast<size_t>(per_sample);
        if (auto ok = data.read(k, std::span<float>(x).subspan(static_cast<size_t>(i) * per, per)); !ok) return ok.take_error();
        if (data.has_labels()) y[static_cast<size_t>(i)] = data.label(k);
        if (data.has_targets()) {
          const std::span<const float> t = data.target(k);
          std::copy(t.begin(), t.end(), tgt.begin() + static_cast<std::ptrdiff_t>(i * target_elements));
        }
      }
      auto l = step(x, data.has_labels() ? std::span<const int32_t>(y) : std::span<const int32_t>{},
                    data.has_targets() ? std::span<const float>(tgt) : std::span<const float>{}, count);
      if (!l) return l.take_error();
      if (!std::isfinite(*l))
        return fail(Errc::CheckFailed, {.option = "train"}, "the loss became {} at epoch {}, step {}", *l, e + 1, s);
      loss_sum += *l * count;
      for (int64_t c : worker_correct_) correct += c;
    }
    EpochReport r;
    r.epoch = e + 1;
    r.loss = loss_sum / static_cast<double>(size);
    r.accuracy = data.has_labels() ? static_cast<double>(correct) / static_cast<double>(size) : 0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.last_lr = config_.schedule.at(optimizer_.steps_taken() - 1);
    if (config_.on_epoch) config_.on_epoch(r);
    reports.push_back(r);
  }
  return reports;
}

void Trainer::write_parameters(Graph& model) const {
  for (TensorId id : program_->parameters()) model.tensor(id).data = program_->graph().tensor(id).data;
}

std::vector<std::pair<std::string, std::pair<float, float>>> Trainer::qat_ranges() const {
  std::vector<std::pair<std::string, std::pair<float, float>>> out;
  for (size_t k = 0; k < fq_tensors_.size(); ++k)
    if (fq_ranges_[k].first <= fq_ranges_[k].second) out.emplace_back(program_->graph().tensor(fq_tensors_[k]).name, fq_ranges_[k]);
  return out;
}

void Trainer::read_parameters(const Graph& model) {
  for (TensorId id : program_->parameters()) {
    auto v = program_->parameter_values(id);
    auto src = model.tensor(id).values<float>();
    std::copy(src.begin(), src.end(), v.begin());
  }
}

Expected<void> Trainer::set_mask(TensorId id, std::vector<uint8_t> mask) {
  const auto& params = program_->parameters();
  auto it = std::find(params.begin(), params.end(), id);
  if (it == params.end() || static_cast<int64_t>(mask.size()) != program_->graph().tensor(id).num_elements())
    return fail(Errc::Internal, {.tensor = program_->graph().tensor(id).name}, "mask for a tensor that is not a parameter of that size");
  const auto i = static_cast<size_t>(it - params.begin());
  masks_[i] = std::move(mask);
  slots_[i].mask = masks_[i];
  auto v = slots_[i].value;
  for (size_t j = 0; j < v.size(); ++j)
    if (!masks_[i][j]) v[j] = 0.f;
  return {};
}

// Sums in double per group, in element order, then writes the sum back to every member (deterministic).
void Trainer::apply_ties_to_gradients() {
  for (size_t i = 0; i < ties_.size(); ++i) {
    const std::vector<int32_t>& tie = ties_[i];
    if (tie.empty()) continue;
    const int32_t groups = *std::max_element(tie.begin(), tie.end()) + 1;
    tie_sums_.assign(static_cast<size_t>(std::max(groups, 0)), 0.0);
    auto g = slots_[i].grad;
    const std::vector<uint8_t>& mask = masks_[i];  // a masked member is 0, not the centroid: it takes no part
    auto tied = [&](size_t j) { return tie[j] >= 0 && (mask.empty() || mask[j]); };
    for (size_t j = 0; j < g.size(); ++j)
      if (tied(j)) tie_sums_[static_cast<size_t>(tie[j])] += g[j];
    for (size_t j = 0; j < g.size(); ++j)
      if (tied(j)) g[j] = static_cast<float>(tie_sums_[static_cast<size_t>(tie[j])]);
  }
}

// Equal gradients and equal starting values already give equal updates; this pins the members bit-exactly to the
// first member of their group even if an optimiser's arithmetic ever differed per element.
void Trainer::apply_ties_to_values() {
  for (size_t i = 0; i < ties_.size(); ++i) {
    const std::vector<int32_t>& tie = ties_[i];
    if (tie.empty()) continue;
    const int32_t groups = *std::max_element(tie.begin(), tie.end()) + 1;
    std::vector<int64_t> first(static_cast<size_t>(std::max(groups, 0)), -1);
    auto v = slots_[i].value;
    const std::vector<uint8_t>& mask = masks_[i];
    for (size_t j = 0; j < v.size(); ++j) {
      if (tie[j] < 0 || (!mask.empty() && !mask[j])) continue;
      int64_t& f = first[static_cast<size_t>(tie[j])];
      if (f < 0) f = static_cast<int64_t>(j);
      else v[j] = v[static_cast<size_t>(f)];
    }
  }
}

Expected<EvalResult> evaluate(const Graph& model, const Dataset& data, int batch_size, int threads) {
  if (batch_size <= 0 || threads <= 0)
    return fail(Errc::BadInput, {.option = "evaluate"}, "batch size and threads must be positive");
  const int per_worker = (batch_size + threads - 1) / threads;
  auto batched = with_batch_size(model, per_worker);
  if (!batched) return batched.take_error();
  auto program = TapeProgram::create(std::move(*batched), {.backward = false, .frozen = {}});
  if (!program) return program.take_error();
  const Graph& g = (*program)->graph();
  const int64_t per_sample = g.tensor(g.inputs[0]).num_elements() / per_worker;
  if (data.sample_elements() != per_sample)
    return fail(Errc::BadInput, {.tensor = g.tensor(g.inputs[0]).name}, "samples of shape {} do not fit the model input {}",
                shape_to_string(data.sample_shape()), shape_to_string(g.tensor(g.inputs[0]).shape));
  const auto size = static_cast<int64_t>(data.size());
  const auto classes = static_cast<size_t>(g.tensor(g.outputs[0]).num_elements() / per_worker);
  std::vector<std::unique_ptr<Tape>> tapes;
  for (int w = 0; w < threads; ++w) tapes.push_back(std::make_unique<Tape>(**program));
  std::vector<int64_t> correct(static_cast<size_t>(threads), 0);
  std::vector<double> loss(static_cast<size_t>(threads), 0);
  std::vector<std::optional<Error>> errors(static_cast<size_t>(threads));
  const int64_t chunks = (size + per_worker - 1) / per_worker;
  run_parallel(threads, [&](int w) {
    Tape& tape = *tapes[static_cast<size_t>(w)];
    for (int64_t c = w; c < chunks && !errors[static_cast<size_t>(w)]; c += threads) {  // fixed assignment of chunks to workers
      const int64_t begin = c * per_worker;
      const int64_t n = std::min<int64_t>(per_worker, size - begin);
      auto in = tape.input(0);
      const auto per = static_cast<size_t>(per_sample);
      for (int64_t i = 0; i < n && !errors[static_cast<size_t>(w)]; ++i)
        if (auto ok = data.read(static_cast<size_t>(begin + i), in.subspan(static_cast<size_t>(i) * per, per)); !ok)
          errors[static_cast<size_t>(w)] = ok.take_error();
      std::fill(in.begin() + n * per_sample, in.end(), 0.f);
      tape.forward();
      auto out = tape.values(g.outputs[0]);
      if (!data.has_labels()) continue;
      for (int64_t i = 0; i < n; ++i) {
        auto row = out.subspan(static_cast<size_t>(i) * classes, classes);
        const int32_t y = data.label(static_cast<size_t>(begin + i));
        correct[static_cast<size_t>(w)] += argmax(row) == y;
        loss[static_cast<size_t>(w)] -= std::log(std::max(double{row[static_cast<size_t>(y)]}, 1e-12));
      }
    }
  });
  EvalResult r;
  for (const std::optional<Error>& e : errors)
    if (e) return *e;  // a sample that could not be read (the lowest worker's first)
  r.samples = size;
  if (data.has_labels() && size > 0) {
    r.accuracy = static_cast<double>(std::accumulate(correct.begin(), correct.end(), int64_t{0})) / static_cast<double>(size);
    r.loss = std::accumulate(loss.begin(), loss.end(), 0.0) / static_cast<double>(size);
  }
  return r;
}

}  // namespace tinyopt
