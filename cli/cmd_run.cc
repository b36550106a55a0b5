// cli/cmd_run.cc: `tinyopt run MODEL --input X.npy ... [--output Y.npy ...]`: runs every sample of the input
// arrays through the bundled runtime and writes the outputs stacked along the first axis; --bench measures
// single-thread inferences per second.
//
// Batch and dtype rules (a leading batch axis may be absent; float data is quantized for int8 inputs) are
// formats/npy/npy_batch's; running is runtime/evaluate's. Outputs are written only after every sample ran,
// each atomically, so a failed run leaves no output file behind.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "formats/npy/npy.h"
#include "formats/npy/npy_batch.h"
#include "formats/dataset/dataset.h"
#include "runtime/cpu_features.h"
#include "runtime/evaluate.h"

namespace tinyopt::cli {
namespace {

struct RunArgs {
  std::string model;
  ModelReadOptions read_options;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  bool json = false;
  bool bench = false;
  double bench_seconds = 2.0;
  unsigned threads = 0;
  int samples_per_invoke = 1;
  bool dequantize_output = false;
  bool reset_state = false;  // stateful models: every sample from zero state instead of carrying it over
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string names_of(const Graph& g, const std::vector<TensorId>& ids) {
  std::string s;
  for (TensorId id : ids) s += (s.empty() ? "'" : ", '") + g.tensor(id).name + "'";
  return s;
}

// One line per sample (at most 10): argmax and its value for vector outputs, the value for scalars.
std::string describe_outputs(const std::vector<NpyArray>& arrays, const Graph& g) {
  std::string text;
  for (size_t k = 0; k < arrays.size(); ++k) {
    const NpyArray& a = arrays[k];
    if (a.dtype != DType::Float32 && a.dtype != DType::Int8 && a.dtype != DType::UInt8) continue;
    const int64_t total = a.num_elements();
    const int64_t samples = a.shape.empty() ? 1 : std::max<int64_t>(1, a.shape[0]);
    const int64_t per = total / samples;
    if (per == 0) continue;
    text += fmt::format("output '{}' {} {}:\n", g.tensor(g.outputs[k]).name, dtype_name(a.dtype), shape_to_string(a.shape));
    for (int64_t s = 0; s < std::min<int64_t>(samples, 10); ++s) {
      auto value = [&](int64_t i) -> double {
        switch (a.dtype) {
          case DType::Float32: return a.values<float>()[static_cast<size_t>(i)];
          case DType::Int8: return a.values<int8_t>()[static_cast<size_t>(i)];
          default: return a.values<uint8_t>()[static_cast<size_t>(i)];
        }
      };
      int64_t best = s * per;
      for (int64_t i = s * per; i < (s + 1) * per; ++i) if (value(i) > value(best)) best = i;
      if (per == 1) text += fmt::format("  sample {}: {:g}\n", s, value(best));
      else text += fmt::format("  sample {}: argmax {} ({:g})\n", s, best - s * per, value(best));
    }
    if (samples > 10) text += fmt::format("  ... {} more samples\n", samples - 10);
  }
  return text;
}

int run_run(const RunArgs& a, Output& out) {
  Expected<Graph> graph = read_model_file(a.model, a.read_options);
  if (!graph) return out.fail(graph.take_error());
  const Graph& g = *graph;  // must stay in place: the interpreter reads constants from it
  Expected<Interpreter> created = Interpreter::create(g);
  if (!created) return out.fail(created.take_error());
  Interpreter& interp = *created;

  if (a.inputs.empty() && !a.bench)
    return out.fail(fail(Errc::BadInput, {.option = "--input"}, "give one .npy file per model input ({})",
                         names_of(g, g.inputs)));
  if (!a.inputs.empty() && a.inputs.size() != g.inputs.size())
    return out.fail(fail(Errc::BadInput, {.file = a.model, .option = "--input"},
                         "the model has {} input(s) ({}) but {} --input file(s) were given", g.inputs.size(),
                         names_of(g, g.inputs), a.inputs.size()));
  if (!a.outputs.empty() && a.outputs.size() != g.outputs.size())
    return out.fail(fail(Errc::BadInput, {.file = a.model, .option = "--output"},
                         "the model has {} output(s) ({}) but {} --output file(s) were given", g.outputs.size(),
                         names_of(g, g.outputs), a.outputs.size()));

  // Inputs: read and count samples (all arrays must agree); without --input (benchmarking), one zero sample.
  std::vector<NpyArray> arrays;
  std::vector<std::string> files;
  std::vector<Shape> sample_shapes;
  int64_t samples = a.inputs.empty() ? 1 : -1;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensor(g.inputs[i]);
    sample_shapes.push_back(t.shape);
    if (a.inputs.empty()) {
      arrays.push_back(NpyArray{t.dtype, t.shape, std::vector<uint8_t>(t.byte_size(), 0)});
      files.push_back("zero input");
      continue;
    }
    Expected<NpyArray> arr = read_npy(a.inputs[i]);
    if (!arr) return out.fail(arr.take_error());
    Expected<int64_t> n = count_samples(*arr, a.inputs[i], t);
    if (!n) return out.fail(n.take_error());
    if (samples >= 0 && *n != samples)
      return out.fail(fail(Errc::BadInput, {.file = a.inputs[i], .tensor = t.name},
                           "holds {} samples but {} holds {}", *n, a.inputs[0], samples));
    samples = *n;
    arrays.push_back(std::move(*arr));
    files.push_back(a.inputs[i]);
  }
  std::vector<std::pair<Shape, DType>> input_arrays;  // for --json
  for (size_t i = 0; i < a.inputs.size(); ++i) input_arrays.emplace_back(arrays[i].shape, arrays[i].dtype);
  const Dataset data = Dataset::from_arrays(std::move(arrays), std::move(files), std::move(sample_shapes), samples);

  // Every sample through the evaluator: float data is quantized for int8 inputs, outputs kept in sample order.
  const auto t0 = Clock::now();
  EvaluateOptions eval;
  eval.threads = a.threads;
  eval.carry_state = !a.reset_state;
  eval.samples_per_invoke = a.samples_per_invoke;
  Expected<Evaluation> ran = evaluate_model(interp, data, eval);
  if (!ran) return out.fail(ran.take_error());
  const double run_seconds = seconds_since(t0);
  spdlog::debug("ran {} samples in {:.3f} s", samples, run_seconds);

  std::vector<NpyArray> stacked;
  for (size_t k = 0; k < g.outputs.size(); ++k)
    stacked.push_back(stack_samples(ran->outputs[k].samples, g.tensor(g.outputs[k]), a.dequantize_output));
  for (size_t k = 0; k < a.outputs.size(); ++k)
    if (Expected<void> ok = write_npy(a.outputs[k], stacked[k]); !ok) return out.fail(ok.take_error());

  // Benchmark: repeated single-thread inferences on the first sample, after one warm-up run.
  int64_t bench_runs = 0;
  double bench_elapsed = 0.0;
  if (a.bench) {
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      Expected<std::vector<uint8_t>> first = data.sample_for_tensor(0, i, g.tensor(g.inputs[i]));
      if (!first) return out.fail(first.take_error());
      if (Expected<void> ok = interp.set_input(i, *first); !ok) return out.fail(ok.take_error());
    }
    if (Expected<void> ok = interp.invoke(); !ok) return out.fail(ok.take_error());
    const auto b0 = Clock::now();
    do {
      if (Expected<void> ok = interp.invoke(); !ok) return out.fail(ok.take_error());
      ++bench_runs;
      bench_elapsed = seconds_since(b0);
    } while (bench_elapsed < a.bench_seconds || bench_runs < 10);
  }
  const double ips = bench_runs > 0 ? static_cast<double>(bench_runs) / bench_elapsed : 0.0;

  if (out.json()) {
    nlohmann::ordered_json doc;
    doc["model"] = a.model;
    doc["samples"] = samples;
    doc["arena_bytes"] = interp.arena_bytes();
    if (interp.stateful()) doc["state"] = a.reset_state ? "reset_per_sample" : "carried";
    doc["isa"] = isa_name(active_isa());  // the kernels' ISA variant (runtime/cpu_features.h, TINYOPT_ISA)
    doc["samples_per_invoke"] = ran->samples_per_invoke;
    nlohmann::ordered_json ins = nlohmann::ordered_json::array(), outs = nlohmann::ordered_json::array();
    for (size_t i = 0; i < a.inputs.size(); ++i)
      ins.push_back({{"tensor", g.tensor(g.inputs[i]).name}, {"file", a.inputs[i]},
                     {"shape", input_arrays[i].first}, {"dtype", dtype_name(input_arrays[i].second)}});
    for (size_t k = 0; k < stacked.size(); ++k)
      outs.push_back({{"tensor", g.tensor(g.outputs[k]).name},
                      {"file", k < a.outputs.size() ? nlohmann::ordered_json(a.outputs[k]) : nlohmann::ordered_json(nullptr)},
                      {"shape", stacked[k].shape}, {"dtype", dtype_name(stacked[k].dtype)}});
    doc["inputs"] = ins;
    doc["outputs"] = outs;
    doc["timing"] = {{"seconds", run_seconds}, {"ms_per_sample", 1000.0 * run_seconds / static_cast<double>(samples)}};
    if (a.bench)
      doc["bench"] = {{"threads", 1}, {"runs", bench_runs}, {"seconds", bench_elapsed},
                      {"inferences_per_second", ips}, {"ms_per_inference", 1000.0 / ips}};
    out.emit_json("run", 1, doc);
    return kExitOk;
  }
  std::string text = fmt::format("ran {} sample(s) of {} in {:.3f} s; tensor arena {} bytes\n", samples, a.model,
                                 run_seconds, interp.arena_bytes());
  if (interp.stateful())
    text += a.reset_state ? "stateful model: every sample started from zero state (--reset-state)\n"
                          : "stateful model: samples ran as one sequence from zero state, state carried over\n";
  for (size_t k = 0; k < a.outputs.size(); ++k)
    text += fmt::format("wrote {}: {} {}\n", a.outputs[k], dtype_name(stacked[k].dtype), shape_to_string(stacked[k].shape));
  if (!a.inputs.empty()) text += describe_outputs(stacked, g);
  if (a.bench)
    text += fmt::format("bench: {:.1f} inferences/s ({:.3f} ms each, {} runs, 1 thread)\n", ips, 1000.0 / ips, bench_runs);
  out.print(text);
  return kExitOk;
}

}  // namespace

CommandRun add_run(CLI::App& sub) {
  auto args = std::make_shared<RunArgs>();
  sub.add_option("model", args->model, "the model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, args->read_options);
  sub.add_option("-i,--input", args->inputs, "a .npy file per model input, samples along the first axis")
      ->allow_extra_args(false);
  sub.add_option("-o,--output", args->outputs, "a .npy file per model output (stacked along the first axis)")
      ->allow_extra_args(false);
  add_json_flag(sub, args->json);
  sub.add_flag("--bench", args->bench, "also measure single-thread inferences per second");
  sub.add_option("--bench-seconds", args->bench_seconds, "how long --bench measures (default 2)")
      ->check(CLI::Range(0.0, 3600.0));
  sub.add_option("--threads", args->threads, "threads for running the samples (default: every core)")
      ->check(CLI::Range(0u, 1024u));
  sub.add_option("--samples-per-invoke", args->samples_per_invoke,
                 "samples per invoke of a re-batched copy of the model (default 1: one at a time, as TFLM). int8 outputs "
                 "are identical either way, float ones equal within rounding")
      ->check(CLI::Range(1, 4096));
  sub.add_flag("--dequantize-output", args->dequantize_output, "write quantized outputs as float32");
  sub.add_flag("--reset-state", args->reset_state,
               "stateful models (SVDF, LSTM): start every sample from zero state (default: samples form one "
               "sequence, each continuing from the state the previous one left, on one thread)");
  return [args](Output& out) {
    out.set_json(args->json);
    return run_run(*args, out);
  };
}

}  // namespace tinyopt::cli
