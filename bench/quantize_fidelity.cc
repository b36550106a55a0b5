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
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "formats/dataset/dataset.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"
#include "runtime/metrics.h"

using namespace tinyopt;

namespace {

using bench::die;

Graph load(const std::string& path) {
  Expected<Graph> g = read_tflite_file(path);
  if (!g) die(g.error());
  return std::move(*g);
}

// Outputs of `g` on every sample; int8 inputs are quantized with the model's own input parameters, as a
// deployment would, and int8 outputs dequantized by the metrics.
Evaluation outputs(const Graph& g, const Dataset& data) {
  Expected<Evaluation> ev = evaluate_model(g, data);
  if (!ev) die(ev.error());
  return std::move(*ev);
}

struct Fidelity {
  double top1 = -1;  // percent, or -1 for a regressor
  double sqnr_db = 0;
};

Fidelity compare(const Evaluation& ref, const Evaluation& q, bool classifier) {
  Expected<std::vector<ErrorStats>> err = compare_outputs(ref, q);
  if (!err) die(err.error());
  Fidelity f;
  if (classifier) {
    Expected<double> agree = top1_agreement(ref, q);
    if (!agree) die(agree.error());
    f.top1 = 100.0 * *agree;
  }
  f.sqnr_db = (*err)[0].sqnr_db();
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
    Dataset calib = bench::uniform_on_input_grid(twin, n_calib, 1), test = bench::uniform_on_input_grid(twin, n_test, 2);
    // The float reference: kws_dscnn_float is hybrid (int8 CONV_2D weights), which the float runtime cannot run,
    // so its reference is the model after dequantize-hybrid-weights (the same real-valued weights).
    Graph ref_graph = fl;
    {
      Expected<Pipeline> p = parse_pipeline("dequantize-hybrid-weights");
      Expected<PassManager> pm = PassManager::from_pipeline(*p);
      PassContext ctx;
      if (Expected<void> ok = pm->run(ref_graph, ctx); !ok) die(ok.error());
    }
    const Evaluation ref = outputs(ref_graph, test);
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
