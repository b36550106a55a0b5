// reports/target.cc: reading target files, finding the bundled targets folder, resolving --target/--kernels.
#include "reports/target.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tinyopt {
namespace {

using nlohmann::json;

// Collects every problem of one file instead of stopping at the first.
struct FieldReader {
  const json& j;
  std::vector<std::string> problems;

  const json* get(const char* key, bool required) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) problems.push_back(fmt::format("missing field '{}'", key));
      return nullptr;
    }
    return &*it;
  }
  std::string string(const char* key, bool required = true) {
    const json* v = get(key, required);
    if (!v) return {};
    if (!v->is_string()) { problems.push_back(fmt::format("field '{}' must be a string", key)); return {}; }
    return v->get<std::string>();
  }
  std::optional<double> number(const char* key, bool required = true) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number() || v->get<double>() <= 0) {
      problems.push_back(fmt::format("field '{}' must be a positive number", key));
      return std::nullopt;
    }
    return v->get<double>();
  }
  int64_t integer(const char* key) {
    const json* v = get(key, true);
    if (!v) return 0;
    if (!v->is_number_integer() || v->get<int64_t>() <= 0) {
      problems.push_back(fmt::format("field '{}' must be a positive integer", key));
      return 0;
    }
    return v->get<int64_t>();
  }
};

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

}  // namespace

Expected<Target> load_target_file(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) return fail(Errc::BadInput, {.file = path.string()}, "cannot open target file");
  json j = json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(Errc::BadInput, {.file = path.string()}, "target file is not valid JSON");
  if (!j.is_object()) return fail(Errc::BadInput, {.file = path.string()}, "target file must hold a JSON object");
  FieldReader r{j, {}};
  Target t;
  t.file = path;
  t.name = r.string("name");
  t.board = r.string("board", false);
  t.mcu = r.string("mcu", false);
  t.core = r.string("core");
  t.clock_mhz = r.number("clock_mhz").value_or(0);
  t.flash_bytes = r.integer("flash_bytes");
  t.ram_bytes = r.integer("ram_bytes");
  const std::string kernels = r.string("kernels");
  if (!kernels.empty()) {
    if (auto k = kernel_family_from_name(kernels)) t.kernels = *k;
    else r.problems.push_back(fmt::format("field 'kernels': unknown kernel family '{}' (known: {})", kernels,
                                          join(kernel_family_names(), ", ")));
  }
  const int64_t word_bits = r.integer("word_bits");
  if (word_bits && word_bits != 32 && word_bits != 64) r.problems.push_back("field 'word_bits' must be 32 or 64");
  t.word_bits = static_cast<int>(word_bits);
  t.core_scale = r.number("core_scale").value_or(1.0);
  t.active_power_mw = r.number("active_power_mw", false);
  t.notes = r.string("notes", false);
  if (const json* s = r.get("sources", true)) {
    if (!s->is_array() || s->empty() || !std::all_of(s->begin(), s->end(), [](const json& e) { return e.is_string(); }))
      r.problems.push_back("field 'sources' must be a non-empty list of strings");
    else
      for (const json& e : *s) t.sources.push_back(e.get<std::string>());
  }
  if (!r.problems.empty()) {
    std::vector<Error> errors;
    for (const std::string& p : r.problems) errors.push_back(fail(Errc::BadInput, {.file = path.string()}, "{}", p));
    return join_errors(errors);
  }
  return t;
}

Expected<std::vector<Target>> load_targets_dir(const std::filesystem::path& dir) {
  std::vector<Target> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    Expected<Target> t = load_target_file(entry.path());
    if (!t) return t.take_error();
    out.push_back(std::move(*t));
  }
  if (ec) return fail(Errc::BadInput, {.file = dir.string()}, "cannot list targets folder: {}", ec.message());
  std::sort(out.begin(), out.end(), [](const Target& a, const Target& b) { return a.name < b.name; });
  return out;
}

std::optional<std::filesystem::path> find_targets_dir(const std::filesystem::path& executable) {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("TINYOPT_TARGETS")) candidates.emplace_back(env);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::canonical(executable, ec);
  if (ec) exe = executable;
  const std::filesystem::path exe_dir = exe.parent_path();
  candidates.push_back(exe_dir / "targets");
  candidates.push_back(exe_dir / ".." / "share" / "tinyopt" / "targets");
  candidates.push_back(exe_dir / ".." / "targets");
#ifdef TINYOPT_SOURCE_TARGETS_DIR
  candidates.emplace_back(TINYOPT_SOURCE_TARGETS_DIR);
#endif
  for (const auto& c : candidates)
    if (std::filesystem::is_directory(c, ec)) return c;
  return std::nullopt;
}

Expected<Target> resolve_target(const std::string& spec, const std::optional<std::filesystem::path>& dir) {
  if (spec.ends_with(".json") || spec.find('/') != std::string::npos) return load_target_file(spec);
  if (!dir)
    return fail(Errc::BadInput, {.option = "--target"},
                "no targets folder found (set TINYOPT_TARGETS or pass a .json file) for target '{}'", spec);
  Expected<std::vector<Target>> all = load_targets_dir(*dir);
  if (!all) return all.take_error();
  std::vector<std::string> names;
  for (const Target& t : *all) {
    if (t.name == spec) return t;
    names.push_back(t.name);
  }
  return fail(Errc::BadInput, {.option = "--target"}, "unknown target '{}' (known: {})", spec, join(names, ", "));
}

Expected<KernelFamily> resolve_kernels(const std::string& spec, const std::string& core) {
  if (spec == "cmsis-nn") {
    if (core.find("M55") != std::string::npos || core.find("M85") != std::string::npos) return KernelFamily::CmsisNnMve;
    for (const char* dsp : {"M4", "M7", "M33", "M35P"})
      if (core.find(dsp) != std::string::npos) return KernelFamily::CmsisNnDsp;
    return KernelFamily::CmsisNnScalar;
  }
  if (auto k = kernel_family_from_name(spec)) return *k;
  return fail(Errc::BadInput, {.option = "--kernels"}, "unknown kernel family '{}' (known: cmsis-nn, {})", spec,
              join(kernel_family_names(), ", "));
}

}  // namespace tinyopt
