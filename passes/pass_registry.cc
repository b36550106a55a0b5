// passes/pass_registry.cc: building a PassRegistry from a list, looking passes up and making them. The list of
// the passes tinyopt ships is apart, in registry.cc, so that the pipeline parser links without every pass (its
// fuzzer, tests/fuzz/pipeline_parser_fuzzer.cc, builds a registry of its own).
#include "passes/registry.h"

#include <algorithm>

namespace tinyopt {

Expected<PassRegistry> PassRegistry::from_list(std::vector<PassInfo> infos) {
  std::sort(infos.begin(), infos.end(), [](const PassInfo& a, const PassInfo& b) { return a.name < b.name; });
  for (size_t i = 1; i < infos.size(); ++i)
    if (infos[i].name == infos[i - 1].name)
      return fail(Errc::Internal, {}, "pass '{}' is registered twice", infos[i].name);
  PassRegistry r;
  r.infos_ = std::move(infos);
  return r;
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
