// passes/pass_manager.cc: the pass loop: instruments before, run, verify, instruments after.
#include "passes/pass_manager.h"

#include <chrono>

namespace tinyopt {

Expected<PassManager> PassManager::from_pipeline(const Pipeline& pipeline, const PassRegistry& registry) {
  PassManager pm;
  for (const PassSpec& spec : pipeline) {
    Expected<std::unique_ptr<Pass>> p = make_pass(registry, spec);
    if (!p) return p.take_error();
    pm.add(std::move(*p));
  }
  return pm;
}

Pipeline PassManager::pipeline() const {
  Pipeline p;
  for (const auto& pass : passes_) p.push_back(pass->spec());
  return p;
}

Expected<void> PassManager::run(Graph& g, PassContext& ctx) {
  for (auto& pass : passes_) {
    for (auto& i : instruments_) i->before(*pass, g);
    auto t0 = std::chrono::steady_clock::now();
    Expected<PassResult> r = pass->run(g, ctx);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r && verify_each_) {
      if (Expected<void> ok = g.validate(); !ok) {
        Error e = ok.take_error();
        e.message = "the graph is invalid after pass " + pass->spec().print() + ": " + e.message;
        e.code = Errc::Internal;
        r = std::move(e);
      }
    }
    for (auto& i : instruments_) {
      if (r) i->after(*pass, g, *r, seconds);
      else i->after_failed(*pass, g);
    }
    if (!r) {
      Error e = r.take_error();
      if (e.where.option.empty()) e.where.option = pass->name();
      return e;
    }
    records_.push_back({pass->spec().print(), *r, seconds});
  }
  return {};
}

}  // namespace tinyopt
