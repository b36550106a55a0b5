// passes/pass.cc: canonical printing of a PassSpec and its list values.
#include "passes/pass.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tinyopt {

std::vector<std::string> split_list_value(const std::string& v) {
  std::vector<std::string> out;
  if (v.size() < 2) return out;
  std::string inner = v.substr(1, v.size() - 2);
  size_t start = 0;
  while (start < inner.size()) {
    size_t comma = inner.find(',', start);
    if (comma == std::string::npos) comma = inner.size();
    if (comma > start) out.push_back(inner.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string PassSpec::print() const {
  std::string s = name;
  if (options.empty()) return s;
  s += '{';
  bool first = true;
  for (const auto& [k, v] : options) {
    if (!first) s += ',';
    first = false;
    s += k + "=" + v;
  }
  s += '}';
  return s;
}

const OptionSpec* PassInfo::find_option(std::string_view key) const {
  for (const OptionSpec& o : options)
    if (o.name == key) return &o;
  return nullptr;
}

PassSpec PassInfo::default_spec() const {
  PassSpec s{name, {}};
  for (const OptionSpec& o : options) s.options[o.name] = o.default_value;
  return s;
}

std::string format_float_option(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

}  // namespace tinyopt
