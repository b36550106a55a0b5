// cli/cmd_export.cc: `tinyopt export MODEL --c-array NAME [-o DIR] [--target T] [--arduino DIR]`: the artifact for
// the firmware engineer: NAME.h / NAME.cc (model array, length, arena size, op resolver set-up), or an Arduino
// library folder. The arena size is the report's TFLM arena estimate for --target (reports/report.h), or for a
// 32-bit MCU with TFLM's reference kernels without one. Sources come from formats/c_array/c_array_export.h.
// Every file is generated before any is written; the Arduino folder is built beside DIR and renamed into place.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "formats/c_array/c_array_export.h"
#include "formats/tflite/reader.h"
#include "reports/report.h"
#include "reports/target.h"

namespace tinyopt::cli {
namespace {

namespace fs = std::filesystem;

struct ExportArgs {
  std::string model, name, dir = ".", target, arduino;
  bool json = false;
};


// "kws-dscnn.int8" -> "kws_dscnn_int8": a C identifier from the model's file name.
std::string identifier_from(const fs::path& model) {
  std::string s = model.stem().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "model_" + s;
  return s;
}

Expected<void> write_arduino(const fs::path& dir, const std::vector<GeneratedFile>& files) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::exists(dir / "library.properties", ec))
    return fail(Errc::BadInput, {.file = dir.string(), .option = "--arduino"},
                "exists and is not an Arduino library folder (no library.properties): give a new folder");
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  for (const GeneratedFile& f : files) {
    fs::create_directories((tmp / f.path).parent_path(), ec);
    if (ec) return fail(Errc::BadInput, {.file = (tmp / f.path).parent_path().string()}, "cannot create folder: {}", ec.message());
    if (Expected<void> ok = write_file_atomically(tmp / f.path, f.text); !ok) {
      fs::remove_all(tmp, ec);
      return ok;
    }
  }
  fs::remove_all(dir, ec);  // an earlier export of this library
  fs::rename(tmp, dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    return fail(Errc::BadInput, {.file = dir.string(), .option = "--arduino"}, "cannot move the library into place");
  }
  return {};
}

int run_export(ExportArgs& a, Output& out) {
  if (a.name.empty() && a.arduino.empty())
    return out.fail(fail(Errc::BadInput, {.option = "--c-array"}, "give --c-array NAME and/or --arduino DIR"));
  if (std::error_code ec; !fs::exists(a.model, ec)) return out.fail(fail(Errc::BadInput, {.file = a.model}, "no such file"));
  Expected<std::vector<uint8_t>> bytes = read_file(a.model);
  if (!bytes) return out.fail(bytes.take_error());
  CArrayModel m;
  m.name = a.name.empty() ? identifier_from(a.model) : a.name;
  m.model_file = fs::path(a.model).filename().string();
  m.bytes = *bytes;
  Expected<std::vector<UsedOpCode>> ops = read_used_op_codes(*bytes, a.model);
  if (!ops) return out.fail(ops.take_error());
  m.ops = std::move(*ops);

  // The arena: the report's estimate for the target (its word size and kernel family).
  Expected<Graph> g = read_tflite(*bytes, a.model);
  if (!g) return out.fail(g.take_error());
  if (!a.target.empty()) {
    Expected<Target> t = resolve_target(a.target, find_targets_dir(self_executable()));
    if (!t) return out.fail(t.take_error());
    const Target target = *t;
    Expected<Report> r = build_report(*g, a.model, static_cast<int64_t>(bytes->size()), std::span(&target, 1));
    if (!r) return out.fail(r.take_error());
    const TargetResult& tr = r->targets[0];
    m.arena_bytes = static_cast<int64_t>(tr.arena.total_bytes);
    m.arena_source = fmt::format("tinyopt report's TFLM arena estimate for {} ({} kernels, {}-bit)", tr.target.name,
                                 kernel_family_name(tr.kernels), tr.arena.pointer_bytes * 8);
  } else {
    Expected<TflmArena> arena = estimate_tflm_arena(*g, {.pointer_bytes = 4, .kernels = KernelFamily::Reference});
    if (!arena) return out.fail(arena.take_error());
    m.arena_bytes = static_cast<int64_t>(arena->total_bytes);
    m.arena_source = "tinyopt report's TFLM arena estimate for a 32-bit MCU with the reference kernels (no --target given)";
  }

  std::vector<std::string> written;
  std::vector<GeneratedFile> c_files, arduino_files;
  if (!a.name.empty()) {
    Expected<std::vector<GeneratedFile>> f = c_array_files(m);
    if (!f) return out.fail(f.take_error());
    c_files = std::move(*f);
  }
  if (!a.arduino.empty()) {
    Expected<std::vector<GeneratedFile>> f = arduino_library_files(m);
    if (!f) return out.fail(f.take_error());
    arduino_files = std::move(*f);
  }
  if (!c_files.empty()) {
    std::error_code ec;
    fs::create_directories(a.dir, ec);
    if (ec) return out.fail(fail(Errc::BadInput, {.file = a.dir, .option = "-o"}, "cannot create folder: {}", ec.message()));
    for (const GeneratedFile& f : c_files) {
      if (Expected<void> ok = write_file_atomically(fs::path(a.dir) / f.path, f.text); !ok) return out.fail(ok.take_error());
      written.push_back((fs::path(a.dir) / f.path).string());
    }
  }
  if (!arduino_files.empty()) {
    if (Expected<void> ok = write_arduino(a.arduino, arduino_files); !ok) return out.fail(ok.take_error());
    for (const GeneratedFile& f : arduino_files) written.push_back((fs::path(a.arduino) / f.path).string());
  }

  std::vector<std::string> methods;
  for (const UsedOpCode& op : m.ops) methods.push_back(resolver_method(op));
  if (out.json()) {
    out.emit_json("export", 1, {{"model", a.model}, {"name", m.name}, {"model_bytes", bytes->size()},
                                {"arena_bytes", m.arena_bytes}, {"arena_source", m.arena_source},
                                {"resolver_ops", methods}, {"files", written}});
  } else {
    std::string list;
    for (const std::string& s : methods) list += (list.empty() ? "" : ", ") + s + "()";
    out.print(fmt::format("model {}: {} bytes, arena {} bytes ({})\nMicroMutableOpResolver<{}>: {}\n", m.model_file,
                          bytes->size(), m.arena_bytes, m.arena_source, methods.size(), list));
    for (const std::string& w : written) out.print("wrote " + w + "\n");
  }
  return kExitOk;
}

}  // namespace

CommandRun add_export(CLI::App& sub) {
  auto a = std::make_shared<ExportArgs>();
  sub.footer("NAME.h declares NAME[] (16-byte aligned), NAME_len, NAME_arena_size and NAME_register_ops(), which adds\n"
             "exactly the model's ops to a tflite::MicroMutableOpResolver<N> (AddDecode() for TFLM_DECODE).");
  sub.add_option("model", a->model, "the .tflite model")->required();
  sub.add_option("--c-array", a->name, "write NAME.h and NAME.cc (NAME: a C identifier)");
  sub.add_option("-o,--output", a->dir, "folder for NAME.h / NAME.cc (default: the current folder)");
  sub.add_option("--target", a->target, "board whose arena estimate to use (a name from tinyopt targets, or a .json)");
  sub.add_option("--arduino", a->arduino, "write an Arduino library folder (library.properties, src/, examples/)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_export(*a, out);
  };
}

}  // namespace tinyopt::cli
