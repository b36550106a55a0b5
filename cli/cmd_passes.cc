// cli/cmd_passes.cc: `tinyopt passes [--json]`: every registered pass with its summary and options (name, kind,
// default, help), straight from the option tables the pipeline parser uses.
#include <fmt/format.h>

#include "cli/commands.h"
#include "passes/pipeline_parser.h"

namespace tinyopt::cli {

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
        list.push_back({{"name", p.name}, {"summary", p.summary}, {"default", p.default_spec().print()}, {"options", opts}});
      }
      out.emit_json("passes", 1, {{"passes", list}});
      return kExitOk;
    }
    std::string text;
    for (const PassInfo& p : reg.all()) {
      text += fmt::format("{}\n    {}\n", p.name, p.summary);
      for (const OptionSpec& o : p.options) text += fmt::format("    {:<16} {} (default {})\n", o.name, o.help, o.default_value);
    }
    text += "\nPipeline syntax: pass{option=value,list=[a,b]},pass2  e.g. fold-batchnorm,quantize{weights=per-tensor}\n";
    out.print(text);
    return kExitOk;
  };
}

}  // namespace tinyopt::cli
