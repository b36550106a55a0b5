// bench/recurrent_ptq.cc: how close tinyopt's post-training quantization of float LSTM / SVDF / TRANSPOSE_CONV models
// stays to the float model, next to the original integer model the TFLM examples ship.
//
// The float models are the float twins (passes/float_twin.h: every weight and bias of the original dequantized) of
// ../shared/models/recurrent/{micro_speech_lstm_int8, keyword_scrambled_int8, seanet_transpose_conv0_int16}. Inputs
// are drawn as ../shared/golden/README.md draws the goldens (the golden inputs are such draws): uniform integers
// of the original's input dtype dequantized with its input scale / zero point; calibration and test sets come from
// two independent std::mt19937 streams (seeds 1 and 2). Every sample starts from zero state. Metrics against the
// float twin's outputs: top-1 agreement (classifiers) and output SQNR; and top-1 agreement of tinyopt's model with
// the original integer model.
//
// Usage: bench_recurrent_ptq [N_CALIB [N_TEST]]   (defaults 64, 64). Prints a Markdown table for BENCHMARKS.md.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "formats/dataset/dataset.h"
#include "formats/tflite/reader.h"
#include "passes/float_twin.h"
#include "passes/pass_manager.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"

using namespace tinyopt;

namespace {

[[noreturn]] void die(const Error& e) {
  std::fprintf(stderr, "%s\n", e.to_string().c_str());
  std::exit(3);
}

template <class T> T must(Expected<T> v) {
  if (!v) die(v.error());
  return std::move(*v);
}

Dataset draw(const Tensor& in, size_t n, unsigned seed) {
  const float scale = in.quant->scale[0];
  const int64_t zp = in.quant->zero_point[0];
  const int lo = in.dtype == DType::Int16 ? -32768 : -128, hi = in.dtype == DType::Int16 ? 32767 : 127;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> q(lo, hi);
  std::vector<float> x(n * static_cast<size_t>(num_elements(in.shape)));
  for (float& v : x) v = scale * static_cast<float>(q(rng) - zp);
  return Dataset::from_floats(in.shape, std::move(x), {}, "uniform draws on the original's input grid");
}

struct Row {
  std::string model, pipeline;
  double top1_ours = -1, sqnr_ours = 0, top1_orig = -1, sqnr_orig = 0, top1_ours_vs_orig = -1;
};

double top1(const Evaluation& a, const Evaluation& b) { return 100.0 * must(top1_agreement(a, b)); }
double sqnr(const Evaluation& a, const Evaluation& b) { return must(compare_outputs(a, b))[0].sqnr_db(); }

Row measure(const std::string& stem, const std::string& pipeline, size_t n_calib, size_t n_test, bool classifier) {
  const std::string path = std::string(TINYOPT_SHARED_DIR) + "/models/recurrent/" + stem + ".tflite";
  const Graph original = must(read_tflite_file(path));
  Graph twin = must(float_twin(original));
  TensorId data_input = original.inputs.back();
  if (original.inputs.size() == 2) {  // seanet: input 0 is TRANSPOSE_CONV's output shape, a constant here
    Tensor& shape = twin.tensor(twin.inputs[0]);
    shape.set_values<int32_t>(std::vector<int32_t>{1, 3, 12, 64});
    twin.inputs.erase(twin.inputs.begin());
  }
  const Dataset calib = draw(original.tensor(data_input), n_calib, 1);
  const Dataset test = draw(original.tensor(data_input), n_test, 2);
  Graph ours = twin;
  PassManager pm = must(PassManager::from_pipeline(must(parse_pipeline(pipeline))));
  PassContext ctx;
  ctx.calibration = &calib;
  if (Expected<void> ok = pm.run(ours, ctx); !ok) die(ok.error());
  const Evaluation ref = must(evaluate_model(twin, test));
  const Evaluation q = must(evaluate_model(ours, test));
  Row r{stem, pipeline};
  r.sqnr_ours = sqnr(ref, q);
  if (classifier) r.top1_ours = top1(ref, q);
  if (original.inputs.size() == 1) {
    const Evaluation o = must(evaluate_model(original, test));
    r.sqnr_orig = sqnr(ref, o);
    if (classifier) {
      r.top1_orig = top1(ref, o);
      r.top1_ours_vs_orig = top1(o, q);
    }
  }
  return r;
}

std::string pct(double v) { return v < 0 ? "n/a" : std::to_string(v).substr(0, std::to_string(v).find('.') + 2); }
std::string db(double v) { return std::to_string(v).substr(0, std::to_string(v).find('.') + 2); }

}  // namespace

int main(int argc, char** argv) {
  const size_t n_calib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
  const size_t n_test = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64;
  std::vector<Row> rows;
  rows.push_back(measure("micro_speech_lstm_int8", "quantize", n_calib, n_test, true));
  rows.push_back(measure("keyword_scrambled_int8", "quantize", n_calib, n_test, true));
  rows.push_back(measure("seanet_transpose_conv0_int16", "quantize{activations=int16}", n_calib, n_test, false));
  rows.push_back(measure("seanet_transpose_conv0_int16", "quantize", n_calib, n_test, false));
  std::printf("calibration %zu samples, test %zu samples\n\n", n_calib, n_test);
  std::printf("| float twin of | pipeline | tinyopt vs float: top-1 | SQNR dB | original vs float: top-1 | SQNR dB | "
              "tinyopt vs original: top-1 |\n|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | `%s` | %s | %s | %s | %s | %s |\n", r.model.c_str(), r.pipeline.c_str(), pct(r.top1_ours).c_str(),
                db(r.sqnr_ours).c_str(), pct(r.top1_orig).c_str(), r.top1_orig < 0 && r.sqnr_orig == 0 ? "n/a" : db(r.sqnr_orig).c_str(),
                pct(r.top1_ours_vs_orig).c_str());
  return 0;
}
