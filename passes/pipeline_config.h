// passes/pipeline_config.h: the JSON form of a pipeline (`optimize --config FILE.json`, `--print-config`): a list
// of {"pass": NAME, "options": {KEY: VALUE}}, values as JSON strings, numbers, booleans or arrays of strings.
// It is turned into the textual pipeline and parsed by the one parser, so every check and message is the same.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "passes/pipeline_parser.h"

namespace tinyopt {

// The canonical pipeline as a JSON list (every option, in canonical text).
nlohmann::ordered_json pipeline_to_config(const Pipeline& p);
// Errors name the config's entry: "config[1]: ..."; then the pipeline parser's own errors.
Expected<Pipeline> pipeline_from_config(const nlohmann::json& config);

}  // namespace tinyopt
