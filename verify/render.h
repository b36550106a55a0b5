// verify/render.h: a VerifyReport as text (the terminal), Markdown (a pull-request comment: the verdict, a table
// of figures, the thresholds) and JSON (tinyopt.verify/1, keys in docs/json.md). Formatting only.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "verify/verify.h"

namespace tinyopt {

std::string render_verify_text(const VerifyReport& r);
std::string render_verify_markdown(const VerifyReport& r);
// Without the "schema" key (the CLI's Output::emit_json adds it first); with_schema adds it here.
nlohmann::ordered_json verify_json(const VerifyReport& r, bool with_schema = false);

}  // namespace tinyopt
