// cli/output.cc: exit-code mapping, diagnostics, tables, JSON emission and log levels for the CLI.
#include "cli/output.h"

#include <algorithm>
#include <cstdio>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tinyopt::cli {
namespace {

bool looks_numeric(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == ',' || c == '.' || c == '-' || c == '+' || c == 'e';
  }) && s.find_first_of("0123456789") != std::string::npos;
}

}  // namespace

int exit_code(Errc code) {
  switch (code) {
    case Errc::BadInput:
    case Errc::Unsupported: return kExitBadInput;
    case Errc::CheckFailed: return kExitCheckFailed;
    case Errc::Internal: return kExitInternal;
  }
  return kExitInternal;
}

void set_log_level(bool quiet, int verbosity) {
  auto logger = spdlog::stderr_logger_st("tinyopt");
  logger->set_pattern("%l: %v");
  spdlog::set_default_logger(logger);
  if (quiet) spdlog::set_level(spdlog::level::err);
  else if (verbosity >= 2) spdlog::set_level(spdlog::level::trace);
  else if (verbosity == 1) spdlog::set_level(spdlog::level::debug);
  else spdlog::set_level(spdlog::level::info);
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string s;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - cell.size(), ' ');
      const bool right = !is_header && looks_numeric(cell);
      if (c) s += "  ";
      s += right ? pad + cell : (c + 1 == width.size() ? cell : cell + pad);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(header, true);
  size_t total = 0;
  for (size_t w : width) total += w;
  out += std::string(total + 2 * (width.empty() ? 0 : width.size() - 1), '-') + "\n";
  for (const auto& r : rows) out += line(r, false);
  return out;
}

std::filesystem::path self_executable() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("tinyopt") : p;
}

std::string with_thousands(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

int Output::fail(const Error& e) const {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", e.to_string().c_str());
  return exit_code(e.code);
}

void Output::emit_json(std::string_view kind, int version, const nlohmann::ordered_json& doc) const {
  nlohmann::ordered_json out;
  out["schema"] = "tinyopt." + std::string(kind) + "/" + std::to_string(version);
  for (auto it = doc.begin(); it != doc.end(); ++it) out[it.key()] = it.value();
  const std::string text = out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void Output::print(std::string_view text) const { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace tinyopt::cli
