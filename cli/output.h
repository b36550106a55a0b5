// cli/output.h: what every subcommand shares for talking to the user: exit codes, the stderr diagnostic
// format, JSON vs. table output on stdout, and log levels.
//
// Results go to stdout; diagnostics, logs and progress to stderr. With --json, stdout is exactly one JSON
// document with a "schema" key. Errors print as "error: <Error::to_string()>" and map to exit codes here and
// nowhere else: 0 ok, 1 a check failed, 2 bad input or usage, 3 internal error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/diagnostic.h"

namespace tinyopt::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

// BadInput/Unsupported -> 2, CheckFailed -> 1, Internal -> 3.
int exit_code(Errc code);

// Sets the spdlog default logger (stderr, "level: message") to: -q -> errors only, default -> info,
// -v -> debug, -vv -> trace. `verbosity` is the number of -v flags, `quiet` wins over it.
void set_log_level(bool quiet, int verbosity);

// A plain text table: a header row, a rule, rows; columns padded to their widest cell. Cells that look like
// numbers are right-aligned.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// "1,234,567"
std::string with_thousands(int64_t v);

// This executable's path (/proc/self/exe), or "tinyopt": bundled files (targets/) are found next to it.
std::filesystem::path self_executable();

class Output {
 public:
  bool json() const { return json_; }
  void set_json(bool on) { json_ = on; }

  // Prints "error: ..." to stderr and returns the error's exit code.
  int fail(const Error& e) const;
  // Writes a JSON document to stdout, adding "schema": "tinyopt.<kind>/<version>" as its first key.
  void emit_json(std::string_view kind, int version, const nlohmann::ordered_json& doc) const;
  // Writes text to stdout as is.
  void print(std::string_view text) const;

 private:
  bool json_ = false;
};

}  // namespace tinyopt::cli
