// passes/pipeline_config.cc: JSON pipeline configs (pipeline_config.h).
#include "passes/pipeline_config.h"

namespace tinyopt {

nlohmann::ordered_json pipeline_to_config(const Pipeline& p) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  const PassRegistry& registry = PassRegistry::builtin();
  for (const PassSpec& s : p) {
    nlohmann::ordered_json options = nlohmann::ordered_json::object();
    const PassInfo* info = registry.find(s.name);
    for (const auto& [k, v] : s.options) {
      const OptionSpec* o = info ? info->find_option(k) : nullptr;
      if (o && o->kind == OptionKind::List) options[k] = split_list_value(v);
      else if (o && o->kind == OptionKind::Bool) options[k] = v == "true";
      else if (o && (o->kind == OptionKind::Int || o->kind == OptionKind::Float)) options[k] = nlohmann::ordered_json::parse(v);
      else options[k] = v;
    }
    list.push_back({{"pass", s.name}, {"options", options}});
  }
  return list;
}

Expected<Pipeline> pipeline_from_config(const nlohmann::json& config) {
  if (!config.is_array()) return fail(Errc::BadInput, {}, "config: expected a JSON list of {{\"pass\": ..., \"options\": {{...}}}}");
  std::string text;
  for (size_t i = 0; i < config.size(); ++i) {
    const nlohmann::json& e = config[i];
    const std::string at = "config[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("pass") || !e["pass"].is_string())
      return fail(Errc::BadInput, {}, "{}: expected {{\"pass\": NAME, \"options\": {{...}}}}", at);
    std::string item = e["pass"].get<std::string>(), opts;
    if (e.contains("options")) {
      if (!e["options"].is_object()) return fail(Errc::BadInput, {}, "{}: \"options\" must be an object", at);
      for (const auto& [k, v] : e["options"].items()) {
        std::string value;
        if (v.is_string()) value = v.get<std::string>();
        else if (v.is_boolean()) value = v.get<bool>() ? "true" : "false";
        else if (v.is_number()) value = v.dump();
        else if (v.is_array()) {
          for (const auto& x : v) {
            if (!x.is_string()) return fail(Errc::BadInput, {}, "{}: option '{}': list items must be strings", at, k);
            value += (value.empty() ? "" : ",") + x.get<std::string>();
          }
          value = "[" + value + "]";
        } else {
          return fail(Errc::BadInput, {}, "{}: option '{}' must be a string, number, boolean or list", at, k);
        }
        opts += (opts.empty() ? "" : ",") + k + "=" + value;
      }
    }
    text += (text.empty() ? "" : ",") + item + (opts.empty() ? "" : "{" + opts + "}");
  }
  if (text.empty()) return fail(Errc::BadInput, {}, "config: the pipeline is empty");
  return parse_pipeline(text);
}

}  // namespace tinyopt
