// passes/registry.h: the table of every pass tinyopt ships, built once from the explicit list in registry.cc.
#pragma once

#include <span>
#include <string_view>

#include "passes/pass.h"

namespace tinyopt {

class PassRegistry {
 public:
  // Builds a registry from `infos`; a name registered twice is an internal error (returned, not thrown).
  static Expected<PassRegistry> from_list(std::vector<PassInfo> infos);
  // Every pass tinyopt ships, sorted by name. A duplicate name in the list aborts at first use, as a build bug.
  static const PassRegistry& builtin();

  const PassInfo* find(std::string_view name) const;
  std::span<const PassInfo> all() const { return infos_; }

 private:
  std::vector<PassInfo> infos_;
};

// Makes a pass from a spec whose options are already resolved (the pipeline parser's output).
Expected<std::unique_ptr<Pass>> make_pass(const PassRegistry& registry, const PassSpec& spec);

}  // namespace tinyopt
