// passes/registry.cc: the explicit list of passes, one line each, in alphabetical order (git's commands[] in
// git.c). No self-registering static objects: a static library may drop them silently.
#include "passes/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace tinyopt {

// Each pass file defines its info function next to the pass itself.
PassInfo cross_layer_equalization_pass_info();
PassInfo dequantize_hybrid_weights_pass_info();
PassInfo fold_batchnorm_pass_info();
PassInfo fuse_activations_pass_info();
PassInfo quantize_pass_info();
PassInfo remove_dead_pass_info();

static std::vector<PassInfo> builtin_pass_list() {
  return {
      cross_layer_equalization_pass_info(),
      dequantize_hybrid_weights_pass_info(),
      fold_batchnorm_pass_info(),
      fuse_activations_pass_info(),
      quantize_pass_info(),
      remove_dead_pass_info(),
  };
}

Expected<PassRegistry> PassRegistry::from_list(std::vector<PassInfo> infos) {
  std::sort(infos.begin(), infos.end(), [](const PassInfo& a, const PassInfo& b) { return a.name < b.name; });
  for (size_t i = 1; i < infos.size(); ++i)
    if (infos[i].name == infos[i - 1].name)
      return fail(Errc::Internal, {}, "pass '{}' is registered twice", infos[i].name);
  PassRegistry r;
  r.infos_ = std::move(infos);
  return r;
}

const PassRegistry& PassRegistry::builtin() {
  static const PassRegistry registry = [] {
    Expected<PassRegistry> r = from_list(builtin_pass_list());
    if (!r) {
      std::fprintf(stderr, "internal error: %s\n", r.error().to_string().c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return registry;
}

const PassInfo* PassRegistry::find(std::string_view name) const {
  for (const PassInfo& i : infos_)
    if (i.name == name) return &i;
  return nullptr;
}

Expected<std::unique_ptr<Pass>> make_pass(const PassRegistry& registry, const PassSpec& spec) {
  const PassInfo* info = registry.find(spec.name);
  if (!info) return fail(Errc::BadInput, {}, "unknown pass '{}'", spec.name);
  Expected<std::unique_ptr<Pass>> p = info->create(spec);
  if (!p) return p.take_error();
  (*p)->set_spec(spec);
  return p;
}

}  // namespace tinyopt
