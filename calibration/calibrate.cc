// calibration/calibrate.cc: the calibration loop of calibrate.h.
#include "calibration/calibrate.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "calibration/progress.h"
#include "runtime/interpreter.h"

namespace tinyopt {
namespace {

struct Shard {
  CalibrationStats stats;
  std::optional<Error> error;
};

void add_channel_sums(ChannelMean& cm, std::span<const float> v, int32_t channels) {
  if (channels <= 0) return;
  if (cm.sum.empty()) cm.sum.assign(static_cast<size_t>(channels), 0.0);
  for (size_t i = 0; i < v.size(); ++i) cm.sum[i % static_cast<size_t>(channels)] += v[i];
  cm.count += static_cast<int64_t>(v.size()) / channels;
}

}  // namespace

Expected<CalibrationStats> calibrate(const Graph& g, const CalibrationSet& data, const CalibrationOptions& opt) {
  size_t begin = std::min(opt.first_sample, data.size());
  size_t n = data.size() - begin;
  if (opt.num_samples) n = std::min(n, opt.num_samples);
  if (n == 0) return fail(Errc::BadInput, {.file = data.source, .option = "--calib"}, "the calibration set is empty");
  if (g.inputs.size() != 1) return fail(Errc::Unsupported, {.file = g.source}, "calibration supports one model input, not {}", g.inputs.size());

  Expected<Interpreter> proto = Interpreter::create(g);
  if (!proto) return proto.take_error();
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  if (opt.observer.kind == ObserverKind::MovingAverage) threads = 1;
  threads = static_cast<unsigned>(std::min<size_t>(threads, n));

  std::vector<bool> mean_wanted(g.tensors.size(), false);
  for (TensorId id : opt.channel_mean_tensors) if (id >= 0) mean_wanted[static_cast<size_t>(id)] = true;
  const TensorId input_id = g.inputs[0];

  std::vector<Shard> shards(threads);
  ProgressBar bar("calibrating", n, opt.progress);
  auto work = [&](unsigned t) {
    Shard& shard = shards[t];
    shard.stats.config = opt.observer;
    Interpreter interp = proto->clone_for_thread();
    auto observe = [&](TensorId id, std::span<const float> v) {
      const Tensor& tensor = g.tensor(id);
      auto& obs = shard.stats.tensors[tensor.name];
      if (!obs) obs = make_observer(opt.observer);
      obs->observe(v);
      if (mean_wanted[static_cast<size_t>(id)])
        add_channel_sums(shard.stats.channel_means[tensor.name], v, tensor.shape.empty() ? 1 : tensor.shape.back());
    };
    std::optional<Error> act_error;
    interp.set_observer([&](int op_index, const Op&, std::span<const TensorView> outs) {
      for (const TensorView& o : outs) {
        if (o.dtype != DType::Float32) continue;
        auto v = o.as<float>();
        if (!act_error)
          for (float x : v)
            if (!std::isfinite(x)) {
              Location loc = g.where(op_index);
              loc.tensor = g.tensor(o.id).name;
              act_error = fail(Errc::BadInput, loc, "activation is {} on a calibration sample (NaN/Inf in the model or data)", x);
              break;
            }
        observe(o.id, std::span<const float>(v.data(), v.size()));
      }
    });
    for (size_t s = t; s < n && !shard.error; s += threads) {
      const std::vector<float>& sample = data.samples[begin + s];
      Expected<void> ok = interp.set_input<float>(0, sample);
      if (ok) ok = interp.invoke();
      if (!ok) { shard.error = ok.take_error(); break; }
      if (act_error) { shard.error = act_error; break; }
      observe(input_id, sample);
      ++shard.stats.samples;
      bar.tick();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();

  for (Shard& s : shards) if (s.error) return *s.error;
  CalibrationStats out = std::move(shards[0].stats);
  for (size_t t = 1; t < shards.size(); ++t) {
    Expected<void> ok = out.merge(shards[t].stats);
    if (!ok) return ok.take_error();
  }
  return out;
}

}  // namespace tinyopt
