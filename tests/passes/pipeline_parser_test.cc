// tests/passes/pipeline_parser_test.cc: the textual pipeline: canonical printing, parse(print(p)) == p over
// seeded random pipelines, and every error pointing into the text with a suggestion.
#include <random>

#include <doctest/doctest.h>

#include "passes/pass_options.h"
#include "passes/pipeline_parser.h"

using namespace tinyopt;

namespace {

// Test passes with typed option tables (passes/pass_options.h), so the tests do not depend on which real passes
// exist. Their factories keep the last options they were given, to check what a parsed pipeline stores.
enum class Granularity { Element, Channel };
struct PruneTestOptions {
  double sparsity = 0.5;
  Granularity granularity = Granularity::Element;
  std::vector<std::string> skip;
};
enum class Weights { PerChannel, PerTensor };
enum class Activations { Int8, Int16 };
struct QuantizeTestOptions {
  Weights weights = Weights::PerChannel;
  Activations activations = Activations::Int8;
  bool float_io = false;
  int64_t num_calib = 0;
};
PruneTestOptions last_prune;
QuantizeTestOptions last_quantize;

class NoPass : public Pass {
 public:
  Expected<PassResult> run(Graph&, PassContext&) override { return PassResult{}; }
};

PassRegistry test_registry() {
  using P = PruneTestOptions;
  using Q = QuantizeTestOptions;
  std::vector<PassInfo> infos = {
      pass_info<P>("prune", "test",
                   {option("sparsity", &P::sparsity, "fraction of zeros", OptionRange{0.0, 0.999}),
                    option("granularity", &P::granularity, "element|channel",
                           {{"element", Granularity::Element}, {"channel", Granularity::Channel}}),
                    option("skip", &P::skip, "op names to leave dense")},
                   [](P o) { last_prune = o; return std::make_unique<NoPass>(); }),
      pass_info("fold-batchnorm", "test", [] { return std::make_unique<NoPass>(); }),
      pass_info<Q>("quantize", "test",
                   {option("weights", &Q::weights, "granularity",
                           {{"per-channel", Weights::PerChannel}, {"per-tensor", Weights::PerTensor}}),
                    option("activations", &Q::activations, "type",
                           {{"int8", Activations::Int8}, {"int16", Activations::Int16}}),
                    option("float-io", &Q::float_io, "float edges"),
                    option("num-calib", &Q::num_calib, "samples", OptionRange{0, 1e9})},
                   [](Q o) { last_quantize = o; return std::make_unique<NoPass>(); }),
  };
  Expected<PassRegistry> r = PassRegistry::from_list(std::move(infos));
  REQUIRE(r);
  return std::move(*r);
}

}  // namespace

TEST_CASE("pipeline: canonical print fills defaults and sorts keys") {
  PassRegistry reg = test_registry();
  Expected<Pipeline> p = parse_pipeline("fold-batchnorm, quantize{weights=per-tensor}", reg);
  REQUIRE(p);
  CHECK(print_pipeline(*p) == "fold-batchnorm,quantize{activations=int8,float-io=false,num-calib=0,weights=per-tensor}");
}

TEST_CASE("pipeline: lists stay one value and bare flags mean true") {
  PassRegistry reg = test_registry();
  Expected<Pipeline> p = parse_pipeline("prune{sparsity=0.8,skip=[conv_0,dense_out]},quantize{float-io}", reg);
  REQUIRE(p);
  CHECK((*p)[0].options.at("skip") == "[conv_0,dense_out]");
  CHECK((*p)[1].options.at("float-io") == "true");
  // The factories store the canonical text into the typed structs.
  REQUIRE(make_pass(reg, (*p)[0]));
  REQUIRE(make_pass(reg, (*p)[1]));
  CHECK(last_prune.skip == std::vector<std::string>{"conv_0", "dense_out"});
  CHECK(last_prune.sparsity == doctest::Approx(0.8));
  CHECK(last_prune.granularity == Granularity::Element);
  CHECK(last_quantize.float_io);
}

TEST_CASE("pipeline: parse(print(p)) == p for random pipelines") {
  PassRegistry reg = test_registry();
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    Pipeline p;
    int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      const PassInfo& info = reg.all()[rng() % reg.all().size()];
      PassSpec s = info.default_spec();
      if (info.name == "prune") {
        s.options["sparsity"] = format_float_option(std::uniform_real_distribution<double>(0, 0.99)(rng));
        s.options["granularity"] = rng() % 2 ? "element" : "channel";
        s.options["skip"] = rng() % 2 ? "[]" : "[a" + std::to_string(rng() % 10) + ",b]";
      } else if (info.name == "quantize") {
        s.options["weights"] = rng() % 2 ? "per-channel" : "per-tensor";
        s.options["float-io"] = rng() % 2 ? "true" : "false";
        s.options["num-calib"] = std::to_string(rng() % 1000);
      }
      p.push_back(s);
    }
    std::string text = print_pipeline(p);
    Expected<Pipeline> back = parse_pipeline(text, reg);
    REQUIRE_MESSAGE(back, "seed " << seed << ": " << text);
    CHECK_MESSAGE(*back == p, "seed " << seed << ": " << text);
    CHECK(print_pipeline(*back) == text);
  }
}

TEST_CASE("pipeline: unknown option points at it and suggests the closest") {
  PassRegistry reg = test_registry();
  Expected<Pipeline> p = parse_pipeline("prune{sparsity=0.8,granularty=channel},quantize", reg);
  REQUIRE(!p);
  CHECK(p.error().code == Errc::BadInput);
  const std::string& m = p.error().message;
  CHECK(m.find("pipeline:1:20: pass 'prune' has no option 'granularty' (did you mean 'granularity'?)") == 0);
  CHECK(m.find("\n  prune{sparsity=0.8,granularty=channel},quantize\n                     ^~~~~~~~~~\n") != std::string::npos);
  CHECK(m.find("note: prune options: granularity=element|channel (default element)") != std::string::npos);
}

TEST_CASE("pipeline: errors for names, values and structure") {
  PassRegistry reg = test_registry();
  auto err = [&](const char* text) {
    Expected<Pipeline> p = parse_pipeline(text, reg);
    REQUIRE(!p);
    return p.error().message;
  };
  CHECK(err("fold-batchnrom").find("pipeline:1:1: unknown pass 'fold-batchnrom' (did you mean 'fold-batchnorm'?)") == 0);
  CHECK(err("prune{sparsity=2}").find("pipeline:1:16: bad value '2' for option 'prune.sparsity': out of range") == 0);
  CHECK(err("prune{sparsity=abc}").find("expected a number") != std::string::npos);
  CHECK(err("quantize{weights=per-chanel}").find("did you mean 'per-channel'?") != std::string::npos);
  CHECK(err("quantize{weights=per-channel").find("unclosed '{'") != std::string::npos);
  CHECK(err("prune},quantize").find("pipeline:1:6: unbalanced '}'") == 0);
  CHECK(err("prune,,quantize").find("empty pass name") != std::string::npos);
  CHECK(err("prune{sparsity}").find("needs a value") != std::string::npos);
  CHECK(err("prune{sparsity=0.1,sparsity=0.2}").find("given twice") != std::string::npos);
  CHECK(err("").find("empty pipeline") != std::string::npos);
}

TEST_CASE("pipeline: a name registered twice is rejected") {
  auto none = [](const PassSpec&) -> Expected<std::unique_ptr<Pass>> { return fail(Errc::Internal, {}, "unused"); };
  Expected<PassRegistry> r = PassRegistry::from_list({{"a", "", {}, none, {}}, {"a", "", {}, none, {}}});
  REQUIRE(!r);
  CHECK(r.error().message.find("registered twice") != std::string::npos);
}

TEST_CASE("pipeline: the builtin registry parses the quantize pipeline") {
  Expected<Pipeline> p = parse_pipeline("fold-batchnorm,quantize{activations=int8,weights=per-channel}");
  REQUIRE(p);
  Expected<Pipeline> back = parse_pipeline(print_pipeline(*p));
  REQUIRE(back);
  CHECK(*back == *p);
}
