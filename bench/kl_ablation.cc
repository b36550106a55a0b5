// bench/kl_ablation.cc: where the kl observer loses. Calibrates once (histograms), prints per tensor the range each
// rule picks (min/max, mse, kl and variants of the KL construction, calibration/range_search.h KlSearch), then the
// quality with one rule's ranges forced on every tensor, and with a kl rule on one group of tensors that share
// parameters (a conv output and the pool after it) and min/max elsewhere. Ranges are forced through the quantize
// pass's learned-range metadata, so everything else is the quantize pass itself.
//   bench_kl_ablation [N_CALIB]                 fmnist_cnn_float: Fashion-MNIST accuracy (first N_CALIB training
//                                               images, all 10,000 test images), then 16x8 with minmax/mse/kl
//   bench_kl_ablation N_CALIB STEM [N_TEST]     a shared model STEM (kws_dscnn, ic_resnet8, ...) as
//                                               bench_quantize_fidelity measures it: inputs on its int8 twin's input
//                                               grid (seeds 1 and 2), top-1 agreement and output SQNR vs float
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
using Pick = std::function<Range(const std::string&)>;

struct Variant {
  const char* name;
  Rule rule;
};

Graph run_pipeline(Graph g, const std::string& text, PassContext& ctx) {
  Expected<Pipeline> p = parse_pipeline(text);
  if (!p) die(p.error());
  Expected<PassManager> pm = PassManager::from_pipeline(*p);
  if (!pm) die(pm.error());
  if (Expected<void> ok = pm->run(g, ctx); !ok) die(ok.error());
  return g;
}

// `g` quantized with the range `pick(tensor)` for every observed tensor.
Graph quantize_with(const Graph& g, const CalibrationStats& stats, const Pick& pick) {
  Graph q = g;
  nlohmann::json ranges = nlohmann::json::object();
  for (const auto& [name, obs] : stats.tensors) {
    Range r = pick(name);
    ranges[name] = {r.min, r.max};
  }
  const std::string text = ranges.dump();
  q.metadata.push_back({"tinyopt_qat_ranges", std::vector<uint8_t>(text.begin(), text.end())});
  PassContext ctx;
  ctx.stats = &stats;
  return run_pipeline(std::move(q), "quantize{observer=kl}", ctx);
}

// What a study needs: the float graph, its kl statistics as histograms, and a quality figure of a quantized graph.
struct Study {
  const Graph& g;
  CalibrationStats stats;
  std::function<std::string(const Graph&)> quality;  // one or more table cells, "| a | b"
  std::string quality_header;                        // "| accuracy %" ...
  std::map<std::string, Histogram> hist;
  std::set<std::string> keep;                        // observed range kept (passes/quantize_params.cc)
  std::map<std::string, std::string> group;          // tensor -> first tensor of its parameter group

  Study(const Graph& graph, const Dataset& calib, std::function<std::string(const Graph&)> q, std::string header)
      : g(graph), quality(std::move(q)), quality_header(std::move(header)) {
    CalibrationOptions co;
    co.observer.kind = ObserverKind::Kl;
    Expected<CalibrationStats> s = calibrate(g, calib, co);
    if (!s) die(s.error());
    stats = std::move(*s);
    for (TensorId id : g.outputs) keep.insert(g.tensor(id).name);
    for (const Op& op : g.ops)
      if (op.kind == OpKind::Softmax) keep.insert(g.tensor(op.inputs[0]).name);
    for (const auto& [name, obs] : stats.tensors) {
      Expected<Histogram> h = Histogram::from_json(obs->to_json()["histogram"]);
      if (!h) die(h.error());
      hist[name] = *h;
      group[name] = name;
    }
    // The output of a pool, RESHAPE, ... ends with its input's parameters (the group's ranges are united).
    for (const Op& op : g.ops)
      if (shares_input_quant(op.kind) && group.count(g.tensor(op.inputs[0]).name))
        group[g.tensor(op.outputs[0]).name] = group[g.tensor(op.inputs[0]).name];
  }
  RangeRequest request(const std::string& name) const { return RangeRequest{.clip = !keep.count(name)}; }
  Range apply(const Rule& rule, const std::string& name) const { return rule(hist.at(name), request(name)); }
  // The group's range: the union of its members' (what the quantize pass does).
  Range group_range(const Rule& rule, const std::string& root) const {
    Range u{0, 0};
    for (const auto& [name, r] : group)
      if (r == root) { Range x = apply(rule, name); u = {std::min(u.min, x.min), std::max(u.max, x.max)}; }
    return u;
  }

  void print(const std::vector<Variant>& variants, const Rule& base, const Variant& one_group) const {
    std::set<std::string> roots;
    for (const auto& [name, root] : group) if (!keep.count(name)) roots.insert(root);
    std::printf("Group ranges (union of the members' ranges); zero share = fraction of the values in the bin "
                "holding 0\n\n| group | zero share |");
    for (const Variant& v : variants) std::printf(" %s |", v.name);
    std::printf("\n|---|---|");
    for (size_t i = 0; i < variants.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (const std::string& root : roots) {
      const Histogram& h = hist.at(root);
      std::printf("| %s | %.3f |", members(root).c_str(), static_cast<double>(h.bins()[Histogram::kBins / 2]) / static_cast<double>(h.count()));
      for (const Variant& v : variants) {
        Range r = group_range(v.rule, root);
        std::printf(" [%.3g, %.3g] |", r.min, r.max);
      }
      std::printf("\n");
    }
    std::printf("\n| ranges %s |\n|---|---|%s\n", quality_header.c_str(), quality_header.find("|", 2) != std::string::npos ? "---|" : "");
    std::printf("| float model %s |\n", quality(g).c_str());
    for (const Variant& v : variants) {
      Graph q = quantize_with(g, stats, [&](const std::string& n) { return apply(v.rule, n); });
      std::printf("| %s on every tensor %s |\n", v.name, quality(q).c_str());
      std::fflush(stdout);
    }
    for (const std::string& root : roots) {
      Graph q = quantize_with(g, stats, [&](const std::string& n) { return group.at(n) == root ? apply(one_group.rule, n) : apply(base, n); });
      std::printf("| %s on %s only, min/max elsewhere %s |\n", one_group.name, members(root).c_str(), quality(q).c_str());
      std::fflush(stdout);
    }
  }
  std::string members(const std::string& root) const {
    std::string m;
    for (const auto& [name, r] : group) if (r == root) m += (m.empty() ? "" : " + ") + name;
    return m;
  }
};

std::string cell(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "| %.2f", v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n_calib = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 500;
  const std::string dir = std::string(TINYOPT_SHARED_DIR) + "/models/";
  const KlSearch old_rule{.zero_bin = KlSearch::ZeroBin::Keep};  // before: the bin holding 0 as observed
  const Variant minmax{"minmax", [](const Histogram& h, const RangeRequest&) { return Range{std::min(h.min(), 0.0f), std::max(h.max(), 0.0f)}; }};
  const Variant mse{"mse", [](const Histogram& h, const RangeRequest& r) { return mse_range(h, r); }};
  const Variant kl{"kl", [](const Histogram& h, const RangeRequest& r) { return kl_range(h, r); }};
  const Variant kl_old{"kl, zero bin kept (old rule)", [&](const Histogram& h, const RangeRequest& r) { return kl_range(h, r, old_rule); }};

  if (argc > 2) {
    const std::string stem = argv[2];
    const size_t n_test = argc > 3 ? static_cast<size_t>(std::atol(argv[3])) : 200;
    Expected<Graph> fl = read_tflite_file(dir + stem + "_float.tflite");
    Expected<Graph> twin = read_tflite_file(dir + stem + "_int8.tflite");
    if (!fl) die(fl.error());
    if (!twin) die(twin.error());
    Dataset calib = bench::uniform_on_input_grid(*twin, n_calib, 1), test = bench::uniform_on_input_grid(*twin, n_test, 2);
    PassContext none;
    const Graph ref_graph = run_pipeline(*fl, "dequantize-hybrid-weights", none);
    const Graph prepared = run_pipeline(*fl, "dequantize-hybrid-weights,fold-batchnorm,fuse-activations,remove-dead", none);
    Expected<Evaluation> ref = evaluate_model(ref_graph, test);
    if (!ref) die(ref.error());
    const bool classifier = num_elements(prepared.tensor(prepared.outputs[0]).shape) > 1 &&
                            std::any_of(prepared.ops.begin(), prepared.ops.end(), [](const Op& op) { return op.kind == OpKind::Softmax; });
    Study s(prepared, calib, [&](const Graph& q) {
      Expected<Evaluation> ev = evaluate_model(q, test);
      if (!ev) die(ev.error());
      Expected<std::vector<ErrorStats>> err = compare_outputs(*ref, *ev);
      if (!err) die(err.error());
      std::string top1 = "| n/a";
      if (classifier) {
        Expected<double> agree = top1_agreement(*ref, *ev);
        if (!agree) die(agree.error());
        top1 = cell(100.0 * *agree);
      }
      return top1 + " " + cell((*err)[0].sqnr_db());
    }, "| top-1 agreement % | output SQNR dB");
    std::printf("%s: calibration %zu samples (seed 1), held out %zu (seed 2)\n\n", stem.c_str(), n_calib, n_test);
    s.print({minmax, mse, kl_old, kl}, minmax.rule, kl);
    return 0;
  }

  Expected<Graph> g = read_tflite_file(dir + "fmnist_cnn_float.tflite");
  if (!g) die(g.error());
  DatasetOptions first_n;
  first_n.max_samples = n_calib;
  Expected<Dataset> calib = open_calibration_data(std::string(bench::kFashionMnist) + "train-images-idx3-ubyte.gz", *g, first_n);
  if (!calib) die(calib.error());
  Expected<Dataset> test = open_fashion_mnist(bench::kFashionMnist, "t10k");
  if (!test) die(test.error());
  Study s(*g, *calib, [&](const Graph& q) { return cell(accuracy(q, *test)); }, "| int8 %");
  std::printf("fmnist_cnn_float: calibration on the first %zu training images, accuracy on all 10,000 test images\n\n", n_calib);
  s.print({minmax, mse, kl_old, kl,
           {"kl, zero bin kept, 128 levels", [](const Histogram& h, const RangeRequest& r) {
              return kl_range(h, r, {.zero_bin = KlSearch::ZeroBin::Keep, .levels = 128});
            }},
           {"kl, 128 levels", [](const Histogram& h, const RangeRequest& r) { return kl_range(h, r, {.levels = 128}); }},
           {"kl, empty Q rejected", [](const Histogram& h, const RangeRequest& r) { return kl_range(h, r, {.reject_empty_q = true}); }}},
          minmax.rule, kl_old);

  // 16x8 (int16 activations): kl searches with 256 levels there too (range_search.cc), so it clips as for int8.
  std::printf("\n| 16x8, observer | conv2d_0 range | accuracy %% |\n|---|---|---|\n");
  for (const char* obs : {"minmax", "mse", "kl"}) {
    PassContext ctx;
    ctx.calibration = &*calib;
    const Graph q = run_pipeline(*g, std::string("quantize{activations=int16,observer=") + obs + "}", ctx);
    const RangeRequest int16{.levels = 65536, .symmetric = true};
    const Histogram& h0 = s.hist.at("conv2d_0");
    const std::string o = obs;
    Range r = o == "kl" ? kl_range(h0, int16) : o == "mse" ? mse_range(h0, int16) : Range{-h0.max(), h0.max()};
    std::printf("| %s | [%.3g, %.3g] | %.2f |\n", obs, r.min, r.max, accuracy(q, *test));
    std::fflush(stdout);
  }
  return 0;
}
