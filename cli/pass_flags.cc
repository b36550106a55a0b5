// cli/pass_flags.cc: CLI flags from a pass's option table (see pass_flags.h).
#include "cli/pass_flags.h"

#include <algorithm>

#include "passes/pipeline_parser.h"

namespace tinyopt::cli {

void add_pass_flags(CLI::App& sub, const PassInfo& info, PassFlags& flags, const std::vector<std::string>& except) {
  flags.pass = info.name;
  for (const OptionSpec& o : info.options) {
    if (std::find(except.begin(), except.end(), o.name) != except.end()) continue;
    const std::string flag = "--" + o.name;
    const std::string name = o.name;
    std::map<std::string, std::string>& given = flags.given;
    switch (o.kind) {
      case OptionKind::Bool:
        sub.add_flag_callback(flag, [&given, name] { given[name] = "true"; }, o.help);
        break;
      case OptionKind::List:
        sub.add_option_function<std::vector<std::string>>(
               flag,
               [&given, name](const std::vector<std::string>& items) {
                 std::string v;
                 for (const std::string& item : items) v += (v.empty() ? "" : ",") + item;
                 given[name] = "[" + v + "]";
               },
               o.help)
            ->delimiter(',');
        break;
      case OptionKind::Enum:
        sub.add_option_function<std::string>(flag, [&given, name](const std::string& v) { given[name] = v; },
                                             o.help + " (default " + o.default_value + ")")
            ->check(CLI::IsMember(o.choices));
        break;
      default:
        sub.add_option_function<std::string>(flag, [&given, name](const std::string& v) { given[name] = v; },
                                             o.help + " (default " + o.default_value + ")")
            ->type_name(o.kind == OptionKind::Int ? "INT" : o.kind == OptionKind::Float ? "FLOAT" : "TEXT");
    }
  }
}

Expected<PassSpec> pass_spec_from_flags(const PassInfo& info, const PassFlags& flags,
                                        const std::map<std::string, std::string>& overrides) {
  PassSpec spec = info.default_spec();
  for (const auto* values : {&flags.given, &overrides})
    for (const auto& [name, text] : *values) {
      const OptionSpec* o = info.find_option(name);
      if (!o) return fail(Errc::Internal, {.option = "--" + name}, "pass '{}' has no option '{}'", info.name, name);
      Expected<std::string> canonical = check_option_value(*o, text);
      if (!canonical)
        return fail(Errc::BadInput, {.option = "--" + name}, "bad value '{}': {}", text, canonical.error().message);
      spec.options[name] = *canonical;
    }
  return spec;
}

}  // namespace tinyopt::cli
