// bench/quantize_accuracy.cc: Fashion-MNIST accuracy of fmnist_cnn_float.tflite and of its int8 quantizations
// through the bundled int8 runtime, for every observer and with bias correction / cross-layer equalization on
// and off. Calibration: the first N training images (default 500); evaluation: all 10,000 test images.
// Usage: bench_quantize_accuracy [N_CALIB [OBSERVER]]   (prints a Markdown table for BENCHMARKS.md)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "calibration/dataset.h"
#include "formats/idx.h"
#include "formats/tflite/reader.h"
#include "passes/pass_manager.h"
#include "runtime/interpreter.h"

using namespace tinyopt;

namespace {

const char* kData = "/usr/share/datasets/fashion-mnist/";

// Top-1 accuracy of `g` (float or int8 input) over the test set.
double accuracy(const Graph& g, const CalibrationSet& test, const std::vector<uint8_t>& labels) {
  Expected<Interpreter> proto = Interpreter::create(g);
  if (!proto) { std::fprintf(stderr, "%s\n", proto.error().to_string().c_str()); std::exit(3); }
  std::vector<int> correct(test.size(), 0);
  const Tensor& in = g.tensor(g.inputs[0]);
  Expected<void> ok = for_each_sample(*proto, test.size(), [&](Interpreter& it, size_t s) -> Expected<void> {
    const std::vector<float>& x = test.samples[s];
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
    int best = 0;
    for (int k = 1; k < o.num_elements(); ++k) {
      double a = o.dtype == DType::Int8 ? o.as<int8_t>()[static_cast<size_t>(k)] : o.as<float>()[static_cast<size_t>(k)];
      double b = o.dtype == DType::Int8 ? o.as<int8_t>()[static_cast<size_t>(best)] : o.as<float>()[static_cast<size_t>(best)];
      if (a > b) best = k;
    }
    correct[s] = best == labels[s];
    return {};
  });
  if (!ok) { std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()); std::exit(3); }
  int n = 0;
  for (int c : correct) n += c;
  return 100.0 * n / static_cast<double>(test.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_calib = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 500;
  std::string model = std::string(TINYOPT_SHARED_DIR) + "/models/fmnist_cnn_float.tflite";
  Expected<Graph> g = read_tflite_file(model);
  if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); return 2; }
  Expected<CalibrationSet> calib = load_calibration_data(std::string(kData) + "train-images-idx3-ubyte.gz", *g, {{}, {}, n_calib});
  Expected<CalibrationSet> test = load_calibration_data(std::string(kData) + "t10k-images-idx3-ubyte.gz", *g);
  Expected<IdxArray> labels = read_idx(std::string(kData) + "t10k-labels-idx1-ubyte.gz");
  if (!calib || !test || !labels) { std::fprintf(stderr, "cannot read Fashion-MNIST from %s\n", kData); return 2; }
  double float_acc = accuracy(*g, *test, labels->data);
  std::printf("| observer | bias correction | equalization | float %% | int8 %% | delta pp |\n|---|---|---|---|---|---|\n");
  for (const char* obs : {"minmax", "ema", "percentile", "mse", "kl"}) {
    if (argc > 2 && std::string(argv[2]) != obs) continue;
    for (int bc = 0; bc < 2; ++bc)
      for (int eq = 0; eq < 2; ++eq) {
        Graph q = *g;
        std::string text = std::string(eq ? "cross-layer-equalization," : "") + "quantize{observer=" + obs +
                           ",bias-correction=" + (bc ? "true" : "false") + "}";
        Expected<Pipeline> p = parse_pipeline(text);
        Expected<PassManager> pm = PassManager::from_pipeline(*p);
        PassContext ctx;
        ctx.calibration = &*calib;
        if (Expected<void> ok = pm->run(q, ctx); !ok) { std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()); return 3; }
        double acc = accuracy(q, *test, labels->data);
        std::printf("| %s | %s | %s | %.2f | %.2f | %+.2f |\n", obs, bc ? "on" : "off", eq ? "on" : "off", float_acc, acc, acc - float_acc);
        std::fflush(stdout);
      }
  }
  return 0;
}
