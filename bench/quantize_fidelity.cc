// bench/quantize_fidelity.cc: how close tinyopt's int8 quantization of each shared float model stays to the float
// model, next to the TFLite converter's int8 twin of the same model, on the same held-out inputs.
//
// Inputs are drawn the way ../shared/golden/README.md draws the float goldens: uniform int8 integers in [-128, 127]
// dequantized with the twin's input scale/zero point, so both int8 models see values exactly on the twin's input
// grid and the float model sees the same real values. Calibration and held-out sets come from two independent
// streams (std::mt19937 seeds 1 and 2, not numpy's). Metrics against the float model's outputs: top-1 agreement
// (classifiers) and output SQNR = 10 log10(sum ref^2 / sum (ref - int8 dequantized)^2) over all held-out outputs.
//
// Usage: bench_quantize_fidelity [N_CALIB [N_TEST [OBSERVER...]]]   (defaults 200, 200, minmax mse kl)
// Prints a Markdown table for BENCHMARKS.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "calibration/dataset.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"
#include "runtime/interpreter.h"

using namespace tinyopt;

namespace {

[[noreturn]] void die(const Error& e) {
  std::fprintf(stderr, "%s\n", e.to_string().c_str());
  std::exit(3);
}

Graph load(const std::string& path) {
  Expected<Graph> g = read_tflite_file(path);
  if (!g) die(g.error());
  return std::move(*g);
}

// `n` samples: uniform int8 values dequantized with the int8 twin's input parameters.
CalibrationSet draw(const Graph& twin, size_t n, unsigned seed) {
  const Tensor& in = twin.tensor(twin.inputs[0]);
  const float scale = in.quant->scale[0];
  const int64_t zp = in.quant->zero_point[0];
  CalibrationSet set;
  set.sample_shape = in.shape;
  set.source = "uniform int8 on the twin's input grid";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(-128, 127);
  const size_t per = static_cast<size_t>(num_elements(in.shape));
  for (size_t s = 0; s < n; ++s) {
    std::vector<float> x(per);
    for (float& v : x) v = scale * static_cast<float>(q(rng) - zp);
    set.samples.push_back(std::move(x));
  }
  return set;
}

// Float outputs (dequantized when the model's output is int8) of `g` on every sample; int8 inputs are quantized
// with the model's own input parameters, as a deployment would.
std::vector<std::vector<float>> outputs(const Graph& g, const CalibrationSet& data) {
  Expected<Interpreter> proto = Interpreter::create(g);
  if (!proto) die(proto.error());
  const Tensor& in = g.tensor(g.inputs[0]);
  std::vector<std::vector<float>> out(data.size());
  Expected<void> ok = for_each_sample(*proto, data.size(), [&](Interpreter& it, size_t s) -> Expected<void> {
    const std::vector<float>& x = data.samples[s];
    Expected<void> set;
    if (in.dtype == DType::Int8) {
      std::vector<int8_t> q(x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        long v = std::lround(x[i] / in.quant->scale[0]) + in.quant->zero_point[0];
        q[i] = static_cast<int8_t>(std::clamp<long>(v, -128, 127));
      }
      set = it.set_input<int8_t>(0, q);
    } else {
      set = it.set_input<float>(0, x);
    }
    if (!set) return set;
    if (Expected<void> r = it.invoke(); !r) return r;
    TensorView o = it.output(0);
    std::vector<float>& y = out[s];
    y.resize(static_cast<size_t>(o.num_elements()));
    const Tensor& ot = g.tensor(g.outputs[0]);
    for (size_t k = 0; k < y.size(); ++k)
      y[k] = o.dtype == DType::Int8
                 ? ot.quant->scale[0] * static_cast<float>(o.as<int8_t>()[k] - ot.quant->zero_point[0])
                 : o.as<float>()[k];
    return {};
  });
  if (!ok) die(ok.error());
  return out;
}

struct Fidelity {
  double top1 = -1;  // percent, or -1 for a regressor
  double sqnr_db = 0;
};

Fidelity compare(const std::vector<std::vector<float>>& ref, const std::vector<std::vector<float>>& q, bool classifier) {
  double sig = 0, noise = 0;
  size_t agree = 0;
  for (size_t s = 0; s < ref.size(); ++s) {
    for (size_t k = 0; k < ref[s].size(); ++k) {
      sig += static_cast<double>(ref[s][k]) * ref[s][k];
      double d = static_cast<double>(ref[s][k]) - q[s][k];
      noise += d * d;
    }
    agree += std::max_element(ref[s].begin(), ref[s].end()) - ref[s].begin() ==
             std::max_element(q[s].begin(), q[s].end()) - q[s].begin();
  }
  Fidelity f;
  f.top1 = classifier ? 100.0 * static_cast<double>(agree) / static_cast<double>(ref.size()) : -1;
  f.sqnr_db = noise > 0 ? 10.0 * std::log10(sig / noise) : INFINITY;
  return f;
}

std::string top1_text(const Fidelity& f) { return f.top1 < 0 ? "n/a" : std::to_string(f.top1).substr(0, std::to_string(f.top1).find('.') + 3); }

}  // namespace

int main(int argc, char** argv) {
  const size_t n_calib = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 200;
  const size_t n_test = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 200;
  std::vector<std::string> observers;
  for (int i = 3; i < argc; ++i) observers.emplace_back(argv[i]);
  if (observers.empty()) observers = {"minmax", "mse", "kl"};
  const std::string dir = std::string(TINYOPT_SHARED_DIR) + "/models/";

  std::printf("calibration: %zu samples (seed 1), held out: %zu samples (seed 2)\n\n", n_calib, n_test);
  std::printf("| model | quantized by | top-1 agreement %% | output SQNR dB |\n|---|---|---|---|\n");
  struct Case { const char* stem; bool classifier; };
  for (Case c : {Case{"hello_world", false}, Case{"ad_autoencoder", false}, Case{"ic_resnet8", true}, Case{"kws_dscnn", true}}) {
    Graph fl = load(dir + c.stem + "_float.tflite");
    Graph twin = load(dir + c.stem + "_int8.tflite");
    CalibrationSet calib = draw(twin, n_calib, 1), test = draw(twin, n_test, 2);
    // The float reference: kws_dscnn_float is hybrid (int8 CONV_2D weights), which the float runtime cannot run,
    // so its reference is the model after dequantize-hybrid-weights (the same real-valued weights).
    Graph ref_graph = fl;
    {
      Expected<Pipeline> p = parse_pipeline("dequantize-hybrid-weights");
      Expected<PassManager> pm = PassManager::from_pipeline(*p);
      PassContext ctx;
      if (Expected<void> ok = pm->run(ref_graph, ctx); !ok) die(ok.error());
    }
    std::vector<std::vector<float>> ref = outputs(ref_graph, test);
    Fidelity ft = compare(ref, outputs(twin, test), c.classifier);
    std::printf("| %s | TFLite converter (int8 twin) | %s | %.2f |\n", c.stem, top1_text(ft).c_str(), ft.sqnr_db);
    for (const std::string& obs : observers) {
      Graph q = fl;
      Expected<Pipeline> p = parse_pipeline("dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead,quantize{observer=" + obs + "}");
      if (!p) die(p.error());
      Expected<PassManager> pm = PassManager::from_pipeline(*p);
      if (!pm) die(pm.error());
      PassContext ctx;
      ctx.calibration = &calib;
      if (Expected<void> ok = pm->run(q, ctx); !ok) die(ok.error());
      Fidelity f = compare(ref, outputs(q, test), c.classifier);
      std::printf("| %s | tinyopt, %s | %s | %.2f |\n", c.stem, obs.c_str(), top1_text(f).c_str(), f.sqnr_db);
      std::fflush(stdout);
    }
  }
  return 0;
}
