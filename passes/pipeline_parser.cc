// passes/pipeline_parser.cc: structure split, name resolution, value checking and error rendering for the
// textual pipeline (see pipeline_parser.h).
#include "passes/pipeline_parser.h"

#include <charconv>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace tinyopt {
namespace {

// A piece of the text with its offset, so that errors can point at it.
struct Piece {
  std::string text;
  size_t offset = 0;
};

struct RawOption {
  Piece key, value;
  bool has_value = false;
};

struct RawPass {
  Piece name;
  std::vector<RawOption> options;
};

// Renders "pipeline:L:C: msg" + the line + a caret under [offset, offset+len) + an optional note.
Error point_at(std::string_view text, size_t offset, size_t len, const std::string& msg, const std::string& note = "") {
  size_t line_start = 0;
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') { ++line; line_start = i + 1; }
  size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  size_t col = offset - line_start;
  std::string out = "pipeline:" + std::to_string(line) + ":" + std::to_string(col + 1) + ": " + msg + "\n  ";
  out += std::string(text.substr(line_start, line_end - line_start)) + "\n  " + std::string(col, ' ') + "^";
  if (len > 1) out += std::string(len - 1, '~');
  if (!note.empty()) out += "\nnote: " + note;
  return Error{Errc::BadInput, {}, out};
}

std::string trim(std::string_view s, size_t& offset) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  offset += b;
  return std::string(s.substr(b, e - b));
}

// Splits `s` (starting at `base` in the full text) at top-level commas.
std::vector<Piece> split_top(std::string_view s, size_t base) {
  std::vector<Piece> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || (s[i] == ',' && depth == 0)) {
      size_t off = base + start;
      std::string t = trim(s.substr(start, i - start), off);
      out.push_back({t, off});
      start = i + 1;
    } else if (s[i] == '{' || s[i] == '[') {
      ++depth;
    } else if (s[i] == '}' || s[i] == ']') {
      --depth;
    }
  }
  return out;
}

// Step 1: structure only.
Expected<std::vector<RawPass>> split_structure(std::string_view text) {
  // Bracket balance first, so later steps can trust it.
  std::vector<std::pair<char, size_t>> stack;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' || c == '[') stack.push_back({c, i});
    if (c == '}' || c == ']') {
      char open = c == '}' ? '{' : '[';
      if (stack.empty() || stack.back().first != open)
        return point_at(text, i, 1, std::string("unbalanced '") + c + "'");
      stack.pop_back();
    }
  }
  if (!stack.empty()) return point_at(text, stack.back().second, 1, std::string("unclosed '") + stack.back().first + "'");

  std::vector<RawPass> passes;
  for (const Piece& p : split_top(text, 0)) {
    if (p.text.empty()) return point_at(text, p.offset, 1, "empty pass name");
    RawPass rp;
    size_t brace = p.text.find('{');
    size_t name_off = p.offset;
    rp.name = {trim(std::string_view(p.text).substr(0, brace), name_off), name_off};
    if (rp.name.text.empty()) return point_at(text, p.offset, 1, "empty pass name");
    if (brace != std::string::npos) {
      if (p.text.back() != '}') return point_at(text, p.offset + p.text.size() - 1, 1, "expected '}' at the end of the options");
      std::string_view inner = std::string_view(p.text).substr(brace + 1, p.text.size() - brace - 2);
      for (const Piece& o : split_top(inner, p.offset + brace + 1)) {
        if (o.text.empty()) {
          if (inner.find_first_not_of(" \t") == std::string_view::npos) break;  // name{} is allowed
          return point_at(text, o.offset, 1, "empty option");
        }
        RawOption ro;
        size_t eq = o.text.find('=');
        size_t koff = o.offset;
        ro.key = {trim(std::string_view(o.text).substr(0, eq), koff), koff};
        if (eq != std::string::npos) {
          size_t voff = o.offset + eq + 1;
          ro.value = {trim(std::string_view(o.text).substr(eq + 1), voff), voff};
          ro.has_value = true;
        }
        rp.options.push_back(ro);
      }
    }
    passes.push_back(std::move(rp));
  }
  return passes;
}

std::string kind_placeholder(const OptionSpec& o) {
  switch (o.kind) {
    case OptionKind::Bool: return "true|false";
    case OptionKind::Int: return "<int>";
    case OptionKind::Float: return "<float>";
    case OptionKind::String: return "<text>";
    case OptionKind::List: return "<list>";
    case OptionKind::Enum: {
      std::string s;
      for (const std::string& c : o.choices) {
        if (!s.empty()) s += '|';
        s += c;
      }
      return s;
    }
  }
  return "";
}

// Step 2 for one value: checks it against the option's kind (check_option_value) and points at it on failure.
Expected<std::string> canonical_value(std::string_view text, const PassInfo& info, const OptionSpec& o, const Piece& v) {
  Expected<std::string> c = check_option_value(o, v.text);
  if (c) return c;
  return point_at(text, v.offset, std::max<size_t>(v.text.size(), 1),
                  "bad value '" + v.text + "' for option '" + info.name + "." + o.name + "': " + c.error().message,
                  info.name + "." + o.name + " takes " + kind_placeholder(o) + " (" + o.help + ")");
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string closest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

std::string describe_options(const PassInfo& info) {
  std::string s;
  std::vector<const OptionSpec*> sorted;
  for (const OptionSpec& o : info.options) sorted.push_back(&o);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const OptionSpec* o : sorted) {
    if (!s.empty()) s += ", ";
    s += o->name + "=" + kind_placeholder(*o);
    if (o->kind != OptionKind::List || o->default_value != "[]") s += " (default " + o->default_value + ")";
  }
  return s.empty() ? "(no options)" : s;
}

Expected<Pipeline> parse_pipeline(std::string_view text, const PassRegistry& registry) {
  if (text.find_first_not_of(" \t\n") == std::string_view::npos) return point_at(text, 0, 1, "empty pipeline");
  Expected<std::vector<RawPass>> raw = split_structure(text);
  if (!raw) return raw.take_error();

  std::vector<std::string> pass_names;
  for (const PassInfo& i : registry.all()) pass_names.push_back(i.name);
  std::string all_passes;
  for (const std::string& n : pass_names) {
    if (!all_passes.empty()) all_passes += ", ";
    all_passes += n;
  }

  Pipeline out;
  for (const RawPass& rp : *raw) {
    const PassInfo* info = registry.find(rp.name.text);
    if (!info) {
      std::string near = closest_name(rp.name.text, pass_names);
      return point_at(text, rp.name.offset, rp.name.text.size(),
                      "unknown pass '" + rp.name.text + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"),
                      "passes: " + all_passes);
    }
    PassSpec spec = info->default_spec();
    std::vector<std::string> seen;
    for (const RawOption& ro : rp.options) {
      const OptionSpec* o = info->find_option(ro.key.text);
      if (!o) {
        std::vector<std::string> names;
        for (const OptionSpec& x : info->options) names.push_back(x.name);
        std::string near = closest_name(ro.key.text, names);
        return point_at(text, ro.key.offset, std::max<size_t>(ro.key.text.size(), 1),
                        "pass '" + info->name + "' has no option '" + ro.key.text + "'" +
                            (near.empty() ? "" : " (did you mean '" + near + "'?)"),
                        info->name + " options: " + describe_options(*info));
      }
      if (std::find(seen.begin(), seen.end(), o->name) != seen.end())
        return point_at(text, ro.key.offset, ro.key.text.size(), "option '" + info->name + "." + o->name + "' given twice");
      seen.push_back(o->name);
      Piece value = ro.value;
      if (!ro.has_value) {
        if (o->kind != OptionKind::Bool)
          return point_at(text, ro.key.offset, ro.key.text.size(), "option '" + info->name + "." + o->name + "' needs a value",
                          info->name + " options: " + describe_options(*info));
        value = {"true", ro.key.offset};  // a bare flag means true
      }
      Expected<std::string> v = canonical_value(text, *info, *o, value);
      if (!v) return v.take_error();
      spec.options[o->name] = *v;
    }
    out.push_back(std::move(spec));
  }
  return out;
}

std::string print_pipeline(const Pipeline& p) {
  std::string s;
  for (const PassSpec& spec : p) {
    if (!s.empty()) s += ',';
    s += spec.print();
  }
  return s;
}

Expected<std::string> check_option_value(const OptionSpec& o, std::string_view value) {
  const std::string v(value);
  // Numbers may carry a leading '+' (from_chars takes none).
  const std::string number = !v.empty() && v[0] == '+' ? v.substr(1) : v;
  auto bad = [](const std::string& why) -> Expected<std::string> { return fail(Errc::BadInput, {}, "{}", why); };
  switch (o.kind) {
    case OptionKind::Bool:
      if (v == "true" || v == "1") return std::string("true");
      if (v == "false" || v == "0") return std::string("false");
      return bad("expected true or false");
    case OptionKind::Int: {
      long long x = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), x);
      if (number.empty() || ec != std::errc() || end != number.data() + number.size()) return bad("expected an integer");
      if (x < o.min || x > o.max)
        return bad("out of range [" + format_float_option(o.min) + ", " + format_float_option(o.max) + "]");
      return std::to_string(x);
    }
    case OptionKind::Float: {
      double x = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), x);
      if (number.empty() || ec != std::errc() || end != number.data() + number.size() || !std::isfinite(x))
        return bad("expected a number");
      if (x < o.min || x > o.max)
        return bad("out of range [" + format_float_option(o.min) + ", " + format_float_option(o.max) + "]");
      return format_float_option(x);
    }
    case OptionKind::Enum: {
      if (std::find(o.choices.begin(), o.choices.end(), v) != o.choices.end()) return v;
      std::string near = closest_name(v, o.choices);
      return bad(near.empty() ? "not one of " + kind_placeholder(o) : "did you mean '" + near + "'?");
    }
    case OptionKind::String:
      if (v.find_first_of(",{}[]=") != std::string::npos) return bad("text may not contain , { } [ ] =");
      return v;
    case OptionKind::List: {
      std::string inner = v;
      if (!inner.empty() && inner.front() == '[') {
        if (inner.back() != ']') return bad("expected [a,b,...]");
        inner = inner.substr(1, inner.size() - 2);
      }
      std::string out = "[";
      for (const Piece& item : split_top(inner, 0)) {
        if (item.text.empty()) continue;
        if (item.text.find_first_of("{}[]=") != std::string::npos) return bad("list items may not contain { } [ ] =");
        if (out.size() > 1) out += ',';
        out += item.text;
      }
      return out + "]";
    }
  }
  return bad("unknown option kind");
}

}  // namespace tinyopt
