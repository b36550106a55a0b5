// bench/kl_ablation.cc: where the kl observer loses accuracy on fmnist_cnn_float. Calibrates once (first N
// Fashion-MNIST training images, histograms), then prints per tensor the range each rule picks (min/max, mse, kl
// and variants of the KL construction, calibration/range_search.h KlSearch), and the accuracy over all 10,000 test
// images with the ranges of one rule forced on every tensor, or the old kl rule on one group of tensors that share
// parameters (a conv output and the pool after it) with min/max elsewhere.
// Ranges are forced through the quantize pass's learned-range metadata, so everything else is the quantize pass.
// Usage: bench_kl_ablation [N_CALIB]
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bench_support.h"
#include "calibration/calibrate.h"
#include "calibration/calibration_data.h"
#include "formats/tflite/reader.h"
#include "ir/op_traits.h"
#include "passes/pass_manager.h"

using namespace tinyopt;
using tinyopt::bench::accuracy;
using tinyopt::bench::die;

namespace {

using Rule = std::function<Range(const Histogram&, const RangeRequest&)>;

struct Variant {
  const char* name;
  Rule rule;
};

// Accuracy of `g` quantized with the range `pick(tensor)` for every observed tensor.
double accuracy_with(const Graph& g, const CalibrationStats& stats, const Dataset& test,
                     const std::function<Range(const std::string&)>& pick) {
  Graph q = g;
  nlohmann::json ranges = nlohmann::json::object();
  for (const auto& [name, obs] : stats.tensors) {
    Range r = pick(name);
    ranges[name] = {r.min, r.max};
  }
  const std::string text = ranges.dump();
  q.metadata.push_back({"tinyopt_qat_ranges", std::vector<uint8_t>(text.begin(), text.end())});
  Expected<Pipeline> p = parse_pipeline("quantize{observer=kl}");
  if (!p) die(p.error());
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  if (!pm) die(pm.error());
  PassContext ctx;
  ctx.stats = &stats;
  if (Expected<void> ok = pm->run(q, ctx); !ok) die(ok.error());
  return accuracy(q, test);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n_calib = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 500;
  const std::string model = std::string(TINYOPT_SHARED_DIR) + "/models/fmnist_cnn_float.tflite";
  Expected<Graph> g = read_tflite_file(model);
  if (!g) die(g.error());
  DatasetOptions first_n;
  first_n.max_samples = n_calib;
  Expected<Dataset> calib = open_calibration_data(std::string(bench::kFashionMnist) + "train-images-idx3-ubyte.gz", *g, first_n);
  if (!calib) die(calib.error());
  Expected<Dataset> test = open_fashion_mnist(bench::kFashionMnist, "t10k");
  if (!test) die(test.error());
  CalibrationOptions co;
  co.observer.kind = ObserverKind::Kl;
  Expected<CalibrationStats> stats = calibrate(*g, *calib, co);
  if (!stats) die(stats.error());

  // Tensors whose extremes decide the answer keep their observed range (passes/quantize_params.cc).
  std::set<std::string> keep;
  for (TensorId id : g->outputs) keep.insert(g->tensor(id).name);
  for (const Op& op : g->ops)
    if (op.kind == OpKind::Softmax) keep.insert(g->tensor(op.inputs[0]).name);
  std::map<std::string, Histogram> hist;
  for (const auto& [name, obs] : stats->tensors) {
    Expected<Histogram> h = Histogram::from_json(obs->to_json()["histogram"]);
    if (!h) die(h.error());
    hist[name] = *h;
  }
  auto request = [&](const std::string& name) { return RangeRequest{.clip = !keep.count(name)}; };

  // The old rule kept the count of the bin holding 0; the rule now gives it its neighbour's count (range_search.cc).
  const KlSearch old_rule{.zero_bin = KlSearch::ZeroBin::Keep};
  const std::vector<Variant> variants = {
      {"minmax", [](const Histogram& h, const RangeRequest&) { return Range{std::min(h.min(), 0.0f), std::max(h.max(), 0.0f)}; }},
      {"mse", [](const Histogram& h, const RangeRequest& r) { return mse_range(h, r); }},
      {"kl, zero bin kept (old rule)", [&](const Histogram& h, const RangeRequest& r) { return kl_range(h, r, old_rule); }},
      {"kl (zero bin = neighbour)", [](const Histogram& h, const RangeRequest& r) { return kl_range(h, r); }},
      {"kl, zero bin kept, 128 levels", [](const Histogram& h, const RangeRequest& r) {
         return kl_range(h, r, {.zero_bin = KlSearch::ZeroBin::Keep, .levels = 128});
       }},
      {"kl, zero bin = neighbour, 128 levels", [](const Histogram& h, const RangeRequest& r) { return kl_range(h, r, {.levels = 128}); }},
      {"kl, zero bin = neighbour, empty Q rejected", [](const Histogram& h, const RangeRequest& r) {
         return kl_range(h, r, {.reject_empty_q = true});
       }},
  };


  std::printf("calibration: first %zu training images; zero share = fraction of values in the bin holding 0\n\n", n_calib);
  std::printf("| tensor | zero share |");
  for (const Variant& v : variants) std::printf(" %s |", v.name);
  std::printf("\n|---|---|");
  for (size_t i = 0; i < variants.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const auto& [name, h] : hist) {
    const double zero = static_cast<double>(h.bins()[Histogram::kBins / 2]) / static_cast<double>(h.count());
    std::printf("| %s%s | %.3f |", name.c_str(), keep.count(name) ? " (kept)" : "", zero);
    for (const Variant& v : variants) {
      Range r = v.rule(h, request(name));
      std::printf(" [%.3g, %.3g] |", r.min, r.max);
    }
    std::printf("\n");
    std::fflush(stdout);
  }

  std::printf("\n| ranges | int8 %% |\n|---|---|\n");
  std::printf("| float model | %.2f |\n", accuracy(*g, *test));
  for (const Variant& v : variants) {
    double acc = accuracy_with(*g, *stats, *test, [&](const std::string& n) { return v.rule(hist[n], request(n)); });
    std::printf("| %s on every tensor | %.2f |\n", v.name, acc);
    std::fflush(stdout);
  }
  // Groups of tensors that end with one set of parameters (the output of a pool, RESHAPE, ... shares its input's).
  std::map<std::string, std::string> group;
  for (const auto& [name, h] : hist) group[name] = name;
  for (const Op& op : g->ops)
    if (shares_input_quant(op.kind) && group.count(g->tensor(op.inputs[0]).name))
      group[g->tensor(op.outputs[0]).name] = group[g->tensor(op.inputs[0]).name];
  const Rule& minmax = variants[0].rule;
  const Rule& kl_old = variants[2].rule;
  std::set<std::string> roots;
  for (const auto& [name, root] : group) if (!keep.count(name)) roots.insert(root);
  for (const std::string& root : roots) {
    std::string members;
    for (const auto& [name, r] : group) if (r == root) members += (members.empty() ? "" : " + ") + name;
    double acc = accuracy_with(*g, *stats, *test, [&](const std::string& n) {
      return group[n] == root ? kl_old(hist[n], request(n)) : minmax(hist[n], request(n));
    });
    std::printf("| kl, zero bin kept (old rule) on %s only, min/max elsewhere | %.2f |\n", members.c_str(), acc);
    std::fflush(stdout);
  }
  return 0;
}
