// cli/cmd_passes.cc: `tinyopt passes [--json]`: every registered pass with its summary and options (name, kind,
// default, help), straight from the option tables the pipeline parser uses.
#include <fmt/format.h>

#include "cli/commands.h"
#include "passes/driver.h"
#include "passes/pipeline_parser.h"

namespace tinyopt::cli {
namespace {

// What a pass needs beyond the graph, each with the flag that supplies it: {"calibration", "--calib"}, ...
// The teacher is optional: without --teacher it is the model as it entered the pipeline (passes/driver.cc).
struct Need {
  std::string input, flag;
  bool optional = false;
};
std::vector<Need> needs_of(const PassInfo& p) {
  std::vector<Need> out;
  if (p.needs.calibration) out.push_back({"calibration", calibration_flag()});
  if (p.needs.labelled_data) out.push_back({"labelled-data", training_flag()});
  if (p.needs.training_data) out.push_back({"training-data", training_flag()});
  if (p.needs.teacher) out.push_back({"teacher", teacher_flag(), true});
  if (p.needs.target) out.push_back({"target", target_flag()});
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
        for (const Need& n : needs_of(p)) needs.push_back({{"input", n.input}, {"flag", n.flag}, {"optional", n.optional}});
        list.push_back({{"name", p.name}, {"summary", p.summary}, {"default", p.default_spec().print()},
                        {"options", opts}, {"needs", needs}});
      }
      out.emit_json("passes", 1, {{"passes", list}});
      return kExitOk;
    }
    std::string text;
    for (const PassInfo& p : reg.all()) {
      text += fmt::format("{}\n    {}\n", p.name, p.summary);
      for (const Need& n : needs_of(p))
        text += n.optional ? fmt::format("    uses {} ({}, optional: default the model as it entered the pipeline)\n", n.input, n.flag)
                           : fmt::format("    needs {} ({})\n", n.input, n.flag);
      for (const OptionSpec& o : p.options) text += fmt::format("    {:<16} {} (default {})\n", o.name, o.help, o.default_value);
    }
    text += "\nPipeline syntax: pass{option=value,list=[a,b]},pass2  e.g. fold-batchnorm,quantize{weights=per-tensor}\n";
    out.print(text);
    return kExitOk;
  };
}

}  // namespace tinyopt::cli
