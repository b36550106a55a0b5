// bench/int8_inference.cc: single-thread inferences/s of the bundled int8 runtime on the shared int8 models, beside
// the time TFLite Micro's reference kernels took for one inference (../shared/golden/<model>/meta.json,
// invoke_us_median), and the ratio. Also checks that case 0 still gives TFLM's output bit for bit.
// The ratio compares like with like: TFLM's figure is a median of per-invoke times, so ours is the median over
// batches of invokes (each batch timed on its own, long enough for the clock); the mean, which also carries the
// shared machine's stalls, is printed beside it.
//
//   build-*/bench_int8_inference [--reference] [--profile | --profile-ops] [--seconds S] [shared_dir]
// --reference runs the plain reference CONV/DEPTHWISE/FC kernels instead of the fast ones. TINYOPT_ISA forces the
// fast kernels' ISA variant (portable|avx2|avx512vnni).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/npy/npy.h"
#include "formats/tflite/reader.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/cpu_features.h"

namespace fs = std::filesystem;
using namespace tinyopt;

namespace {

// CPU time of this thread in seconds: the machine is shared, so wall time would count other processes' turns.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

KernelRegistry make_registry(bool reference) {
  KernelRegistry r;
  register_float_kernels(r);
  if (reference) {
    for (DType t : {DType::Int8, DType::Int16}) {
      r.add(OpKind::Conv2D, t, make_conv_2d_int8_reference);
      r.add(OpKind::DepthwiseConv2D, t, make_depthwise_conv_2d_int8_reference);
      r.add(OpKind::FullyConnected, t, make_fully_connected_int8_reference);
    }
  }
  KernelRegistry all;
  register_int8_kernels(all);
  for (int k = 0; k < kNumOpKinds; ++k)
    for (DType t : {DType::Int8, DType::Int16}) {
      const OpKind kind = static_cast<OpKind>(k);
      if (!r.find(kind, t) && all.find(kind, t)) r.add(kind, t, all.find(kind, t));
    }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool reference = false, profile = false, profile_ops = false;
  double seconds = 2.0;
  fs::path shared = TINYOPT_SHARED_DIR;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reference") == 0) reference = true;
    else if (std::strcmp(argv[i], "--profile") == 0) profile = true;
    else if (std::strcmp(argv[i], "--profile-ops") == 0) profile = profile_ops = true;
    else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
    else shared = argv[i];
  }
  Expected<Isa> isa = select_isa_from_environment();  // TINYOPT_ISA=portable|avx2|avx512vnni
  if (!isa) { std::fprintf(stderr, "error: %s\n", isa.error().to_string().c_str()); return 2; }
  const KernelRegistry registry = make_registry(reference);
  std::printf("int8 runtime (%s kernels, ISA %s; CPU: %s), single thread, %.1f s of thread CPU time per model, median us per invoke\n",
              reference ? "reference" : "fast", std::string(isa_name(*isa)).c_str(),
              cpu_feature_summary().c_str(), seconds);
  std::printf("%-22s %14s %14s %12s %14s %8s %s\n", "model", "tinyopt inf/s", "tinyopt us", "(mean us)",
              "TFLM ref us", "ratio", "bit-exact case0");
  int status = 0;
  for (const char* stem : {"person_detect_int8", "vww_mobilenet_int8", "kws_dscnn_int8", "ic_resnet8_int8",
                           "ad_autoencoder_int8", "hello_world_int8"}) {
    const fs::path model = shared / "models" / (std::string(stem) + ".tflite");
    const fs::path golden = shared / "golden" / stem;
    if (!fs::exists(model)) continue;
    auto g = read_tflite_file(model);
    if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); return 2; }
    auto interp = Interpreter::create(*g, registry);
    if (!interp) { std::fprintf(stderr, "%s\n", interp.error().to_string().c_str()); return 2; }
    auto x = read_npy(golden / "case0" / "input0.npy");
    auto y = read_npy(golden / "case0" / "output0.npy");
    if (!x || !y) { std::fprintf(stderr, "%s: golden data missing\n", stem); return 2; }
    if (!interp->set_input(0, std::span<const uint8_t>(x->data))) return 2;
    if (!interp->invoke()) return 2;
    const TensorView out = interp->output(0);
    const bool exact = out.bytes.size() == y->data.size() && std::memcmp(out.bytes.data(), y->data.data(), y->data.size()) == 0;
    if (!exact) status = 1;
    // Batches of about 100 us of invokes (from a first estimate), timed one by one for `seconds` in all.
    double t0 = thread_seconds();
    for (int i = 0; i < 16; ++i) (void)interp->invoke();
    const double estimate = (thread_seconds() - t0) / 16;
    const int batch = std::max(1, static_cast<int>(100e-6 / std::max(estimate, 1e-9)));
    std::vector<double> per_invoke;  // seconds per invoke, one entry per batch
    long n = 0;
    double elapsed = 0;
    t0 = thread_seconds();
    while (elapsed < seconds) {
      const double b0 = thread_seconds();
      for (int i = 0; i < batch; ++i) (void)interp->invoke();
      const double now = thread_seconds();
      per_invoke.push_back((now - b0) / batch);
      n += batch;
      elapsed = now - t0;
    }
    std::nth_element(per_invoke.begin(), per_invoke.begin() + static_cast<long>(per_invoke.size() / 2),
                     per_invoke.end());
    const double us = per_invoke[per_invoke.size() / 2] * 1e6;
    const double mean_us = elapsed / static_cast<double>(n) * 1e6;
    double tflm_us = 0;
    std::ifstream meta(golden / "meta.json");
    if (meta) {
      const nlohmann::json j = nlohmann::json::parse(meta, nullptr, false);
      if (j.is_object() && j.contains("invoke_us_median") && j["invoke_us_median"].is_number())
        tflm_us = j["invoke_us_median"].get<double>();
    }
    if (profile) {  // time per op kind (and per op with --profile-ops): the observer fires after each op
      std::vector<double> per_kind(kNumOpKinds, 0.0), per_op(g->ops.size(), 0.0);
      double last = thread_seconds();
      interp->set_observer([&](int index, const Op& op, std::span<const TensorView>) {
        const double now = thread_seconds();
        per_kind[static_cast<size_t>(op.kind)] += now - last;
        per_op[static_cast<size_t>(index)] += now - last;
        last = now;
      });
      for (int i = 0; i < 50; ++i) {
        last = thread_seconds();
        (void)interp->invoke();
      }
      interp->set_observer(nullptr);
      if (profile_ops)
        for (size_t i = 0; i < per_op.size(); ++i)
          std::printf("    op %2zu %-20s %10.1f us\n", i, std::string(op_kind_name(g->ops[i].kind)).c_str(),
                      per_op[i] / 50 * 1e6);
      for (int k = 0; k < kNumOpKinds; ++k)
        if (per_kind[static_cast<size_t>(k)] > 0)
          std::printf("    %-20s %10.1f us\n", std::string(op_kind_name(static_cast<OpKind>(k))).c_str(),
                      per_kind[static_cast<size_t>(k)] / 50 * 1e6);
    }
    std::printf("%-22s %14.1f %14.2f %12.2f %14.1f %7.1fx %s\n", stem, 1e6 / us, us, mean_us, tflm_us,
                tflm_us > 0 ? tflm_us / us : 0.0, exact ? "yes" : "NO");
  }
  return status;
}
