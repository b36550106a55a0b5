// calibration/calibrate.cc: the calibration loop of calibrate.h.
#include "calibration/calibrate.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "calibration/progress.h"
#include "runtime/evaluate.h"
#include "runtime/state_observer.h"

namespace tinyopt {
namespace {

void add_channel_sums(ChannelMean& cm, std::span<const float> v, int32_t channels) {
  if (channels <= 0) return;
  if (cm.sum.empty()) cm.sum.assign(static_cast<size_t>(channels), ExactSum{});
  for (size_t i = 0; i < v.size(); ++i) cm.sum[i % static_cast<size_t>(channels)].add(v[i]);
  cm.count += static_cast<int64_t>(v.size()) / channels;
}

}  // namespace

Expected<CalibrationStats> calibrate(const Graph& g, const Dataset& data, const CalibrationOptions& opt) {
  size_t begin = std::min(opt.first_sample, data.size());
  size_t n = data.size() - begin;
  if (opt.num_samples) n = std::min(n, opt.num_samples);
  if (n == 0) return fail(Errc::BadInput, {.file = data.source()}, "the calibration set is empty");
  if (g.inputs.size() != 1) return fail(Errc::Unsupported, {.file = g.source}, "calibration supports one model input, not {}", g.inputs.size());
  const Dataset shard = data.slice(begin, n);

  Expected<Interpreter> proto = Interpreter::create(g);
  if (!proto) return proto.take_error();
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  if (opt.observer.kind == ObserverKind::MovingAverage) threads = 1;
  threads = sample_threads(threads, n);

  std::vector<bool> mean_wanted(g.tensors.size(), false);
  for (TensorId id : opt.channel_mean_tensors) if (id >= 0) mean_wanted[static_cast<size_t>(id)] = true;
  const TensorId input_id = g.inputs[0];

  // Per worker: its statistics and the first NaN/Inf activation its observer saw.
  std::vector<CalibrationStats> stats(threads);
  std::vector<std::optional<Error>> act_errors(threads);
  ProgressBar bar("calibrating", n, opt.progress);
  auto observe = [&](unsigned w, TensorId id, std::span<const float> v) {
    const Tensor& tensor = g.tensor(id);
    auto& obs = stats[w].tensors[tensor.name];
    if (!obs) obs = make_observer(opt.observer);
    obs->observe(v);
    if (mean_wanted[static_cast<size_t>(id)])
      add_channel_sums(stats[w].channel_means[tensor.name], v, tensor.shape.empty() ? 1 : tensor.shape.back());
  };
  // State tensors (LSTM cell state, SVDF state) as the float kernels update them inside an op
  // (runtime/state_observer.h), observed under the state tensor's name.
  std::vector<StateObserver> state_observers;
  for (unsigned w = 0; w < threads; ++w)
    state_observers.emplace_back([&, w](TensorId id, std::span<const float> v) { observe(w, id, v); });
  EvaluateOptions eo;
  eo.threads = threads;
  eo.keep_outputs = false;
  eo.on_worker_start = [&](unsigned w, Interpreter& interp) {
    stats[w].config = opt.observer;
    interp.set_observer([&, w](int op_index, const Op&, std::span<const TensorView> outs) {
      for (const TensorView& o : outs) {
        if (o.dtype != DType::Float32) continue;
        auto v = o.as<float>();
        if (!act_errors[w])
          for (float x : v)
            if (!std::isfinite(x)) {
              Location loc = g.where(op_index);
              loc.tensor = g.tensor(o.id).name;
              act_errors[w] = fail(Errc::BadInput, loc, "activation is {} on a calibration sample (NaN/Inf in the model or data)", x);
              break;
            }
        observe(w, o.id, std::span<const float>(v.data(), v.size()));
      }
    });
  };
  eo.before_invoke = [&](unsigned w, size_t s, Interpreter& interp) -> Expected<void> {
    const std::span<const float> sample = interp.input(0).as<float>();
    for (float x : sample)
      if (!std::isfinite(x)) {
        const SampleOrigin at = shard.origin(s);
        return fail(Errc::BadInput, {.file = at.file, .tensor = g.tensor(input_id).name},
                    "{}calibration sample {} contains {} (NaN/Inf cannot be calibrated)", at.item.empty() ? "" : at.item + ": ",
                    at.index, x);
      }
    observe(w, input_id, sample);
    thread_state_observer() = &state_observers[w];  // this worker's thread, until after_sample
    return {};
  };
  eo.after_sample = [&](unsigned w, size_t, Interpreter&) -> Expected<void> {
    thread_state_observer() = nullptr;
    if (act_errors[w]) return *act_errors[w];
    ++stats[w].samples;
    bar.tick();
    return {};
  };
  Expected<Evaluation> ran = evaluate_model(*proto, shard, eo);
  thread_state_observer() = nullptr;  // one worker runs on this thread; an error may have skipped after_sample
  if (!ran) return ran.take_error();

  CalibrationStats out = std::move(stats[0]);
  for (size_t t = 1; t < stats.size(); ++t) {
    Expected<void> ok = out.merge(stats[t]);
    if (!ok) return ok.take_error();
  }
  return out;
}

}  // namespace tinyopt
