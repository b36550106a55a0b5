// passes/registry.cc: the explicit list of passes, one line each, in alphabetical order (git's commands[] in
// git.c). No self-registering static objects: a static library may drop them silently.
#include "passes/registry.h"

#include <cstdio>
#include <cstdlib>

namespace tinyopt {

// Each pass file defines its info function next to the pass itself.
PassInfo cluster_pass_info();
PassInfo compress_pass_info();
PassInfo cross_layer_equalization_pass_info();
PassInfo cut_pass_info();
PassInfo dequantize_hybrid_weights_pass_info();
PassInfo distill_pass_info();
PassInfo fold_batchnorm_pass_info();
PassInfo fuse_activations_pass_info();
PassInfo prune_pass_info();
PassInfo quantize_pass_info();
PassInfo remove_dead_pass_info();

static std::vector<PassInfo> builtin_pass_list() {
  return {
      cluster_pass_info(),
      compress_pass_info(),
      cross_layer_equalization_pass_info(),
      cut_pass_info(),
      dequantize_hybrid_weights_pass_info(),
      distill_pass_info(),
      fold_batchnorm_pass_info(),
      fuse_activations_pass_info(),
      prune_pass_info(),
      quantize_pass_info(),
      remove_dead_pass_info(),
  };
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

}  // namespace tinyopt
