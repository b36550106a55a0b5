// passes/pass.cc: typed access to option values, canonical printing of a PassSpec, option-table helpers.
#include "passes/pass.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tinyopt {

bool PassSpec::get_bool(const std::string& key) const { return options.at(key) == "true"; }

int64_t PassSpec::get_int(const std::string& key) const { return std::strtoll(options.at(key).c_str(), nullptr, 10); }

double PassSpec::get_float(const std::string& key) const { return std::strtod(options.at(key).c_str(), nullptr); }

const std::string& PassSpec::get_string(const std::string& key) const { return options.at(key); }

std::vector<std::string> PassSpec::get_list(const std::string& key) const {
  const std::string& v = options.at(key);
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

OptionSpec bool_option(std::string name, bool def, std::string help) {
  return {std::move(name), OptionKind::Bool, def ? "true" : "false", std::move(help), {}};
}

OptionSpec int_option(std::string name, int64_t def, std::string help, double min, double max) {
  return {std::move(name), OptionKind::Int, std::to_string(def), std::move(help), {}, min, max};
}

OptionSpec float_option(std::string name, double def, std::string help, double min, double max) {
  return {std::move(name), OptionKind::Float, format_float_option(def), std::move(help), {}, min, max};
}

OptionSpec enum_option(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  return {std::move(name), OptionKind::Enum, std::move(def), std::move(help), std::move(choices)};
}

OptionSpec string_option(std::string name, std::string def, std::string help) {
  return {std::move(name), OptionKind::String, std::move(def), std::move(help), {}};
}

OptionSpec list_option(std::string name, std::string help) {
  return {std::move(name), OptionKind::List, "[]", std::move(help), {}};
}

}  // namespace tinyopt
