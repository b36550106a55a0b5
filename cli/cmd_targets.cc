// cli/cmd_targets.cc: `tinyopt targets [--json] [--dir D]`: the bundled target boards (targets/*.json found next
// to the executable or in the source tree; $TINYOPT_TARGETS overrides), one line each.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "reports/render.h"
#include "reports/target.h"

namespace tinyopt::cli {
namespace {

struct TargetsArgs {
  bool json = false;
  std::string dir;
};

int run_targets(const TargetsArgs& a, Output& out) {
  std::optional<std::filesystem::path> dir;
  if (!a.dir.empty()) dir = a.dir;
  else {
    std::error_code ec;
    dir = find_targets_dir(std::filesystem::read_symlink("/proc/self/exe", ec));
  }
  if (!dir) return out.fail(fail(Errc::BadInput, {}, "no targets folder found (set TINYOPT_TARGETS or use --dir)"));
  Expected<std::vector<Target>> all = load_targets_dir(*dir);
  if (!all) return out.fail(all.take_error());
  if (out.json()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Target& t : *all)
      list.push_back({{"name", t.name}, {"board", t.board}, {"mcu", t.mcu}, {"core", t.core},
                      {"clock_mhz", t.clock_mhz}, {"flash_bytes", t.flash_bytes}, {"ram_bytes", t.ram_bytes},
                      {"kernels", std::string(kernel_family_name(t.kernels))}, {"word_bits", t.word_bits},
                      {"core_scale", t.core_scale},
                      {"active_power_mw", t.active_power_mw ? nlohmann::ordered_json(*t.active_power_mw) : nullptr},
                      {"sources", t.sources}, {"file", t.file.string()}});
    out.emit_json("targets", 1, {{"targets_dir", dir->string()}, {"targets", list}});
    return kExitOk;
  }
  std::string text = fmt::format("{:<11} {:<20} {:<16} {:>6} {:>10} {:>10}  {}\n", "name", "board", "core", "MHz",
                                 "flash", "RAM", "kernels");
  for (const Target& t : *all)
    text += fmt::format("{:<11} {:<20} {:<16} {:>6} {:>10} {:>10}  {}\n", t.name, t.board.substr(0, 20), t.core,
                        t.clock_mhz, format_bytes(t.flash_bytes), format_bytes(t.ram_bytes),
                        kernel_family_name(t.kernels));
  out.print(text + fmt::format("({} targets from {})\n", all->size(), dir->string()));
  return kExitOk;
}

}  // namespace

CommandRun add_targets(CLI::App& sub) {
  auto args = std::make_shared<TargetsArgs>();
  add_json_flag(sub, args->json);
  sub.add_option("--dir", args->dir, "list the targets of this folder instead");
  return [args](Output& out) {
    out.set_json(args->json);
    return run_targets(*args, out);
  };
}

}  // namespace tinyopt::cli
