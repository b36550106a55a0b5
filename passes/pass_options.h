// passes/pass_options.h: a pass's options declared once, typed (STYLE.md §1, MLIR's PassOptions).
//
// A pass keeps its options in a plain struct whose member initializers are the defaults. Its option table binds
// each kebab-case name to a member pointer, with a help line and, for numbers, a range; pass_info<Options>()
// turns the table into the PassInfo that the pipeline parser, `tinyopt passes`, the canonical printed form, the
// JSON config and the subcommands' CLI flags all read. The parser checks every value against the table
// (passes/pipeline_parser.h), so storing a checked value into the struct cannot fail.
//
//   struct FooOptions { int iterations = 4; Mode mode = Mode::Fast; };
//   PassInfo foo_pass_info() {
//     return pass_info<FooOptions>("foo", "One line on what foo does.",
//         {option("iterations", &FooOptions::iterations, "sweeps over the graph", OptionRange{1, 100}),
//          option("mode", &FooOptions::mode, "fast or exact", {{"fast", Mode::Fast}, {"exact", Mode::Exact}})},
//         [](FooOptions o) { return std::make_unique<FooPass>(std::move(o)); });
//   }
#pragma once

#include <charconv>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "passes/pass.h"

namespace tinyopt {

// Inclusive bounds of a numeric option.
struct OptionRange {
  double min = -1e18;
  double max = 1e18;
};

// The names of an enum option's values, in the order `tinyopt passes` lists them.
template <class E>
using EnumNames = std::vector<std::pair<std::string, E>>;

// One typed option: the OptionSpec that parsing and printing use, and the two conversions between the struct
// member and its canonical text.
template <class Options>
struct TypedOption {
  OptionSpec spec;  // default_value is filled in by pass_info() from a default-constructed Options
  std::function<void(Options&, const std::string&)> store;  // canonical text (already checked) -> member
  std::function<std::string(const Options&)> show;         // member -> canonical text
};

namespace detail {

template <class T>
T parse_number(const std::string& text) {
  T v{};
  std::from_chars(text.data(), text.data() + text.size(), v);  // checked by the parser: cannot fail here
  return v;
}

inline std::string join_list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "]";
}

}  // namespace detail

template <class Options>
TypedOption<Options> option(std::string name, bool Options::*field, std::string help) {
  return {OptionSpec{std::move(name), OptionKind::Bool, "", std::move(help), {}},
          [field](Options& o, const std::string& v) { o.*field = v == "true"; },
          [field](const Options& o) { return std::string(o.*field ? "true" : "false"); }};
}

template <class Options, class Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
TypedOption<Options> option(std::string name, Int Options::*field, std::string help, OptionRange range = {}) {
  return {OptionSpec{std::move(name), OptionKind::Int, "", std::move(help), {}, range.min, range.max},
          [field](Options& o, const std::string& v) { o.*field = static_cast<Int>(detail::parse_number<int64_t>(v)); },
          [field](const Options& o) { return std::to_string(o.*field); }};
}

template <class Options>
TypedOption<Options> option(std::string name, double Options::*field, std::string help, OptionRange range = {-1e300, 1e300}) {
  return {OptionSpec{std::move(name), OptionKind::Float, "", std::move(help), {}, range.min, range.max},
          [field](Options& o, const std::string& v) { o.*field = detail::parse_number<double>(v); },
          [field](const Options& o) { return format_float_option(o.*field); }};
}

template <class Options>
TypedOption<Options> option(std::string name, std::string Options::*field, std::string help) {
  return {OptionSpec{std::move(name), OptionKind::String, "", std::move(help), {}},
          [field](Options& o, const std::string& v) { o.*field = v; },
          [field](const Options& o) { return o.*field; }};
}

// A list of names (ops, tensors): `key=[a,b]` in a pipeline.
template <class Options>
TypedOption<Options> option(std::string name, std::vector<std::string> Options::*field, std::string help) {
  return {OptionSpec{std::move(name), OptionKind::List, "", std::move(help), {}},
          [field](Options& o, const std::string& v) { o.*field = split_list_value(v); },
          [field](const Options& o) { return detail::join_list(o.*field); }};
}

template <class Options, class E>
  requires std::is_enum_v<E>
TypedOption<Options> option(std::string name, E Options::*field, std::string help, EnumNames<E> names) {
  std::vector<std::string> choices;
  for (const auto& [text, value] : names) choices.push_back(text);
  return {OptionSpec{std::move(name), OptionKind::Enum, "", std::move(help), std::move(choices)},
          [field, names](Options& o, const std::string& v) {
            for (const auto& [text, value] : names)
              if (text == v) o.*field = value;
          },
          [field, names](const Options& o) {
            for (const auto& [text, value] : names)
              if (value == o.*field) return text;
            return std::string();
          }};
}

// The PassInfo of a pass whose options are `Options`: the table's specs with defaults read from `Options{}`, and
// a factory that fills an Options from a resolved spec and hands it to `make`. `make` returns the pass, or an
// Expected<std::unique_ptr<Pass>> when it checks how the options combine.
template <class Options, class Make>
PassInfo pass_info(std::string name, std::string summary, std::vector<TypedOption<Options>> options, Make make,
                   PassNeeds needs = {}) {
  PassInfo info{.name = std::move(name), .summary = std::move(summary), .options = {}, .create = {}, .needs = needs};
  const Options defaults{};
  for (TypedOption<Options>& o : options) {
    o.spec.default_value = o.show(defaults);
    info.options.push_back(o.spec);
  }
  info.create = [options = std::move(options), make = std::move(make)](
                    const PassSpec& s) -> Expected<std::unique_ptr<Pass>> {
    Options o{};
    for (const TypedOption<Options>& opt : options) opt.store(o, s.options.at(opt.spec.name));
    // A factory may check combinations of values the table cannot (returning Expected), or just build the pass.
    if constexpr (std::is_same_v<std::invoke_result_t<Make, Options>, Expected<std::unique_ptr<Pass>>>)
      return make(std::move(o));
    else
      return std::unique_ptr<Pass>(make(std::move(o)));
  };
  return info;
}

// A pass without options.
template <class Make>
PassInfo pass_info(std::string name, std::string summary, Make make, PassNeeds needs = {}) {
  return PassInfo{.name = std::move(name), .summary = std::move(summary), .options = {},
                  .create = [make = std::move(make)](const PassSpec&) -> Expected<std::unique_ptr<Pass>> {
                    return std::unique_ptr<Pass>(make());
                  },
                  .needs = needs};
}

}  // namespace tinyopt
