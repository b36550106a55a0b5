// cli/cmd_report.cc: `tinyopt report MODEL --target T[,T...] [--kernels K] [--json [F]] [--md F] [--html F]
// [--compare AFTER]`: flash, RAM (TFLM arena) and cycles of a model on each target, per layer and in total.
// With --compare, the same for a second model and the differences. Exit 1 when a model does not fit a requested
// target (flash or RAM), after writing every requested output. The analysis is reports/report.h; this file only
// parses, calls it and writes the renderings.
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "reports/render.h"
#include "reports/report.h"
#include "reports/target.h"

namespace tinyopt::cli {
namespace {

struct ReportArgs {
  std::string model;
  ModelReadOptions read_options;
  std::string compare;
  std::vector<std::string> targets;
  std::string kernels;
  std::string json_path;  // "" with --json given: stdout
  bool json_given = false;
  std::string md_path, html_path;
};


Expected<Report> report_for(const std::string& path, const std::vector<Target>& targets, const ReportArgs& a) {
  Expected<Graph> g = read_model_file(path, a.read_options);
  if (!g) return g.take_error();
  std::error_code ec;
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  std::optional<std::string> kernels;
  if (!a.kernels.empty()) kernels = a.kernels;
  return build_report(*g, path, ec ? 0 : bytes, targets, kernels);
}

int run_report(const ReportArgs& a, Output& out) {
  const auto dir = find_targets_dir(self_executable());
  std::vector<Target> targets;
  for (const std::string& spec : a.targets) {
    Expected<Target> t = resolve_target(spec, dir);
    if (!t) return out.fail(t.take_error());
    targets.push_back(std::move(*t));
  }
  Expected<Report> before = report_for(a.model, targets, a);
  if (!before) return out.fail(before.take_error());
  std::optional<Report> after;
  if (!a.compare.empty()) {
    Expected<Report> r = report_for(a.compare, targets, a);
    if (!r) return out.fail(r.take_error());
    after = std::move(*r);
  }
  const bool compare = after.has_value();
  const Report& main = compare ? *after : *before;

  auto write = [&](const std::string& path, const std::string& text) -> Expected<void> {
    return write_file_atomically(path, text);
  };
  const std::string json = compare ? render_compare_json(*before, *after) : render_json(main);
  if (a.json_given && !a.json_path.empty())
    if (Expected<void> w = write(a.json_path, json); !w) return out.fail(w.take_error());
  if (!a.md_path.empty()) {
    const std::string md = compare ? render_compare_markdown(*before, *after) + "\n" + render_markdown(main)
                                   : render_markdown(main);
    if (Expected<void> w = write(a.md_path, md); !w) return out.fail(w.take_error());
  }
  if (!a.html_path.empty())
    if (Expected<void> w = write(a.html_path, compare ? render_compare_html(*before, *after) : render_html(main)); !w)
      return out.fail(w.take_error());

  if (a.json_given && a.json_path.empty()) out.print(json);
  else out.print(compare ? render_compare_text(*before, *after) + "\n" + render_text(main) : render_text(main));

  for (const TargetResult& t : main.targets)
    if (!t.fits) return kExitCheckFailed;
  return kExitOk;
}

}  // namespace

CommandRun add_report(CLI::App& sub) {
  auto args = std::make_shared<ReportArgs>();
  sub.add_option("model", args->model, "the model (.tflite or .onnx, told apart by content)")->required();
  add_model_read_flags(sub, args->read_options);
  sub.add_option("--target", args->targets, "target name(s) or .json file(s), comma separated (see 'tinyopt targets')")
      ->required()->delimiter(',');
  sub.add_option("--kernels", args->kernels,
                 "override the targets' kernel family: reference | cmsis-nn | cmsis-nn-scalar | cmsis-nn-dsp | "
                 "cmsis-nn-mve | esp-nn");
  sub.add_option("--compare", args->compare, "a second model (after): show both and the differences");
  sub.add_option("--json", args->json_path, "JSON report: to file F, or to stdout when F is omitted")
      ->expected(0, 1);
  sub.add_option("--md", args->md_path, "write a Markdown report to F");
  sub.add_option("--html", args->html_path,
                 "write a self-contained HTML report (inline SVG charts, arena map; with --compare both side by side) "
                 "to F");
  return [args, &sub](Output& out) {
    args->json_given = sub.count("--json") > 0;
    out.set_json(args->json_given && args->json_path.empty());
    return run_report(*args, out);
  };
}

}  // namespace tinyopt::cli
