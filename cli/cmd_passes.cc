// cli/cmd_passes.cc: `tinyopt passes [--json]`: every registered pass with its summary and options (name, kind,
// default, help), straight from the option tables the pipeline parser uses.
#include <fmt/format.h>

#include "cli/commands.h"
#include "passes/driver.h"
#include "passes/pipeline_parser.h"

namespace tinyopt::cli {
namespace {

// What a pass needs beyond the graph, each with the flag that supplies it: {"calibration", "--calib"}, ...
std::vector<std::pair<std::string, std::string>> needs_of(const PassInfo& p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (p.needs.calibration) out.emplace_back("calibration", calibration_flag());
  if (p.needs.labelled_data) out.emplace_back("labelled-data", training_flag());
  if (p.needs.training_data) out.emplace_back("training-data", training_flag());
  if (p.needs.teacher) out.emplace_back("teacher", teacher_flag());
  if (p.needs.target) out.emplace_back("target", target_flag());
  return out;
}

}  // namespace

CommandRun add_passes(CLI::App& sub) {
  auto json = std::make_shared<bool>(false);
  add_json_flag(sub, *json);
  return [json](Output& out) {
    out.set_json(*json);
    const PassRegistry& reg = PassRegistry::builtin();
    if (out.json()) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const PassInfo& p : reg.all()) {
        nlohmann::ordered_json opts = nlohmann::ordered_json::array();
        for (const OptionSpec& o : p.options)
          opts.push_back({{"name", o.name}, {"default", o.default_value}, {"help", o.help}, {"choices", o.choices}});
        nlohmann::ordered_json needs = nlohmann::ordered_json::array();
        for (const auto& [what, flag] : needs_of(p)) needs.push_back({{"input", what}, {"flag", flag}});
        list.push_back({{"name", p.name}, {"summary", p.summary}, {"default", p.default_spec().print()},
                        {"options", opts}, {"needs", needs}});
      }
      out.emit_json("passes", 1, {{"passes", list}});
      return kExitOk;
    }
    std::string text;
    for (const PassInfo& p : reg.all()) {
      text += fmt::format("{}\n    {}\n", p.name, p.summary);
      for (const auto& [what, flag] : needs_of(p)) text += fmt::format("    needs {} ({})\n", what, flag);
      for (const OptionSpec& o : p.options) text += fmt::format("    {:<16} {} (default {})\n", o.name, o.help, o.default_value);
    }
    text += "\nPipeline syntax: pass{option=value,list=[a,b]},pass2  e.g. fold-batchnorm,quantize{weights=per-tensor}\n";
    out.print(text);
    return kExitOk;
  };
}

}  // namespace tinyopt::cli
