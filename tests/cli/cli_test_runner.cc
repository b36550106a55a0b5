// tests/cli/cli_test_runner.cc: runs the end-to-end CLI tests, tests/cli/*.test, in the lit/FileCheck style.
//
// A .test file is a list of directives, one per line; other lines are comments:
//   RUN: <shell command>   runs it (sh -c, stdout and stderr merged, 120 s timeout); starts a new step
//   EXIT: <n>              expected exit status of the step's command (default 0)
//   CHECK: <text>          <text> occurs in the output, after the previous CHECK's match (in order)
//   CHECK-NOT: <text>      <text> occurs nowhere in the output
//   ABSENT: <path>         the path does not exist after the command (a failed run leaves no output)
//   EXISTS: <path>         the path exists after the command
//   REQUIRES: <path>       skip the whole file (with a message) when the path does not exist
// Substitutions in every directive: %tinyopt -> the built tinyopt, a leading "tinyopt " of a RUN line likewise,
// %shared -> ../shared, %src -> the source tree, %T -> a fresh folder for this test file, %t -> "%T/t" (so
// %t.npy is a scratch file). A file that mentions %shared is skipped when ../shared is absent.
// TINYOPT_CLI_TEST=<stem> in the environment runs only tests/cli/<stem>.test.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/shared_data.h"

namespace fs = std::filesystem;

namespace {

struct Step {
  int line = 0;
  std::string command;
  int exit = 0;
  std::vector<std::pair<int, std::string>> checks, check_nots, absent, exists;
};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

std::string substitute(std::string s, const fs::path& scratch) {
  replace_all(s, "%tinyopt", std::string(TINYOPT_BINARY_DIR) + "/tinyopt");
  replace_all(s, "%shared", tinyopt::test::shared_dir().string());
  replace_all(s, "%src", TINYOPT_SOURCE_DIR);
  replace_all(s, "%T", scratch.string());
  replace_all(s, "%t", (scratch / "t").string());
  return s;
}

// Runs `command` through sh; returns its exit status and merged output.
std::pair<int, std::string> run_shell(const std::string& command) {
  const std::string wrapped = "timeout 120 sh -c '" + [&] {
    std::string q = command;
    replace_all(q, "'", "'\\''");
    return q;
  }() + "' 2>&1";
  FILE* pipe = popen(wrapped.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void run_test_file(const fs::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find("%shared") != std::string::npos && !tinyopt::test::have_shared()) {
    MESSAGE("skipped " << file.filename().string() << ": ../shared not found");
    return;
  }
  const fs::path scratch = fs::path(TINYOPT_BINARY_DIR) / "cli-tests" / file.stem();
  fs::remove_all(scratch);
  fs::create_directories(scratch);

  std::vector<Step> steps;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    auto directive = [&](const std::string& name, std::string& rest) {
      if (line.rfind(name + ":", 0) != 0) return false;
      rest = line.substr(name.size() + 1);
      rest.erase(0, rest.find_first_not_of(' '));
      rest = substitute(rest, scratch);
      return true;
    };
    std::string rest;
    if (directive("RUN", rest)) {
      if (rest == "tinyopt" || rest.rfind("tinyopt ", 0) == 0) rest = std::string(TINYOPT_BINARY_DIR) + "/" + rest;
      steps.push_back({number, rest, 0, {}, {}, {}, {}});
      continue;
    }
    if (directive("REQUIRES", rest)) {
      if (!fs::exists(rest)) {
        MESSAGE("skipped " << file.filename().string() << ": " << rest << " not found");
        return;
      }
      continue;
    }
    const bool known = line.rfind("EXIT:", 0) == 0 || line.rfind("CHECK:", 0) == 0 ||
                       line.rfind("CHECK-NOT:", 0) == 0 || line.rfind("ABSENT:", 0) == 0 || line.rfind("EXISTS:", 0) == 0;
    if (!known) continue;
    REQUIRE_MESSAGE(!steps.empty(), file.string() << ":" << number << ": directive before the first RUN:");
    Step& s = steps.back();
    if (directive("EXIT", rest)) s.exit = std::stoi(rest);
    else if (directive("CHECK-NOT", rest)) s.check_nots.emplace_back(number, rest);
    else if (directive("CHECK", rest)) s.checks.emplace_back(number, rest);
    else if (directive("ABSENT", rest)) s.absent.emplace_back(number, rest);
    else if (directive("EXISTS", rest)) s.exists.emplace_back(number, rest);
  }
  CHECK_MESSAGE(!steps.empty(), file.string() << ": no RUN: line");

  // Plain variables, not structured bindings: doctest's CHECK macros capture them in lambdas, which clang 14 does
  // not allow for bindings.
  for (const Step& s : steps) {
    const auto shell = run_shell(s.command);
    const int status = shell.first;
    const std::string& output = shell.second;
    const std::string where = file.filename().string() + ":" + std::to_string(s.line);
    const std::string name = file.filename().string();
    INFO(where << ": " << s.command << "\n--- output ---\n" << output);
    CHECK_MESSAGE(status == s.exit, where << ": exit status " << status << ", expected " << s.exit);
    size_t from = 0;
    for (const auto& check : s.checks) {
      const int n = check.first;
      const std::string& want = check.second;
      const size_t at = output.find(want, from);
      CHECK_MESSAGE(at != std::string::npos, name << ":" << n << ": CHECK not found (in order): " << want);
      if (at != std::string::npos) from = at + want.size();
    }
    for (const auto& check : s.check_nots) {
      const int n = check.first;
      const std::string& bad = check.second;
      CHECK_MESSAGE(output.find(bad) == std::string::npos, name << ":" << n << ": CHECK-NOT found: " << bad);
    }
    for (const auto& check : s.absent) {
      const int n = check.first;
      const std::string& p = check.second;
      CHECK_MESSAGE(!fs::exists(p), name << ":" << n << ": ABSENT path exists: " << p);
    }
    for (const auto& check : s.exists) {
      const int n = check.first;
      const std::string& p = check.second;
      CHECK_MESSAGE(fs::exists(p), name << ":" << n << ": EXISTS path missing: " << p);
    }
  }
}

}  // namespace

TEST_CASE("cli: every tests/cli/*.test file") {
  REQUIRE_MESSAGE(fs::exists(std::string(TINYOPT_BINARY_DIR) + "/tinyopt"), "build the tinyopt target first");
  // TINYOPT_CLI_TEST=<stem> runs one file only (for debugging a test).
  const char* only = std::getenv("TINYOPT_CLI_TEST");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(TINYOPT_SOURCE_DIR) / "tests" / "cli"))
    if (e.path().extension() == ".test" && (!only || e.path().stem() == only)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  CHECK(!files.empty());
  for (const fs::path& f : files) {
    INFO("test file: " << f.string());
    run_test_file(f);
  }
}
