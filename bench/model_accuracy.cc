// bench/model_accuracy.cc: Fashion-MNIST top-1 accuracy of models (.tflite or .onnx, float or int8) over all
// 10,000 test images through the bundled runtime, and each model's top-1 agreement with the first one. Used for
// the PyTorch -> ONNX -> tinyopt figures in BENCHMARKS.md (the float ONNX model against its int8 quantization).
// Usage: bench_model_accuracy MODEL [MODEL...]   (prints a Markdown table)
#include <cstdio>
#include <optional>

#include "formats/model_reader.h"
#include "runtime/evaluate.h"
#include "runtime/metrics.h"

using namespace tinyopt;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_model_accuracy MODEL [MODEL...]\n");
    return 2;
  }
  Expected<Dataset> test = open_fashion_mnist("/usr/share/datasets/fashion-mnist", "t10k");
  if (!test) { std::fprintf(stderr, "%s\n", test.error().to_string().c_str()); return 2; }
  std::printf("| model | top-1 %% | delta pp vs first | top-1 agreement with first %% |\n|---|---|---|---|\n");
  std::optional<Evaluation> first;
  double first_acc = 0;
  for (int i = 1; i < argc; ++i) {
    Expected<Graph> g = read_model_file(argv[i]);
    if (!g) { std::fprintf(stderr, "%s\n", g.error().to_string().c_str()); return 2; }
    Expected<Evaluation> ev = evaluate_model(*g, *test);
    if (!ev) { std::fprintf(stderr, "%s\n", ev.error().to_string().c_str()); return 3; }
    Expected<double> acc = top_k_accuracy(*ev, *test, 1);
    if (!acc) { std::fprintf(stderr, "%s\n", acc.error().to_string().c_str()); return 3; }
    double agree = 100.0;
    if (first) {
      Expected<double> a = top1_agreement(*first, *ev);
      if (!a) { std::fprintf(stderr, "%s\n", a.error().to_string().c_str()); return 3; }
      agree = 100.0 * *a;
    } else {
      first = std::move(*ev);
      first_acc = 100.0 * *acc;
    }
    std::printf("| %s | %.2f | %+.2f | %.2f |\n", argv[i], 100.0 * *acc, 100.0 * *acc - first_acc, agree);
    std::fflush(stdout);
  }
  return 0;
}
