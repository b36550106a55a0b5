// cli/cmd_merge.cc: `tinyopt merge PART... -o OUT [--json] [--md F]`: combines the parts that sharded runs wrote,
// exactly: `calibrate --shard` statistics into one statistics file (as one `calibrate` run writes it), or
// `verify --shard` tallies into the verify report (as `verify --json` prints it), with verify's exit code (1 when
// a threshold is crossed), or `prune --analyze --shard` parts into the sweep and its suggestion (as
// `prune --analyze --json` prints it). The kind is read from the first part; every part must be of it, of the same models,
// data and settings, and every shard must be there exactly once.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/prune_analyze.h"
#include "formats/atomic_file.h"
#include "passes/calibration_job.h"
#include "verify/render.h"

namespace tinyopt::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> parts;
  std::string output, md;
  bool json = false;
};

Expected<nlohmann::json> read_json(const std::string& path) {
  if (std::error_code ec; !std::filesystem::exists(path, ec)) return fail(Errc::BadInput, {.file = path}, "no such file");
  Expected<std::vector<uint8_t>> bytes = read_file(path, uint64_t{1} << 30);
  if (!bytes) return bytes.take_error();
  nlohmann::json j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::BadInput, {.file = path}, "not a JSON object");
  return j;
}

int merge_verify(const MergeArgs& a, const std::vector<nlohmann::json>& docs, Output& out) {
  std::vector<VerifyTally> parts;
  for (size_t i = 0; i < docs.size(); ++i) {
    Expected<VerifyTally> t = VerifyTally::from_json(docs[i]);
    if (!t) { Error e = t.take_error(); e.where.file = a.parts[i]; return out.fail(e); }
    parts.push_back(std::move(*t));
  }
  Expected<VerifyTally> sum = merge_tallies(parts);
  if (!sum) return out.fail(sum.take_error());
  const VerifyReport r = finish_verify(*sum);
  const nlohmann::ordered_json doc = verify_json(r, true);
  // The same text as `verify --json` prints for one run (cli/output.cc's emit_json).
  const std::string text = doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (!a.md.empty())
    if (Expected<void> ok = write_file_atomically(a.md, render_verify_markdown(r)); !ok) return out.fail(ok.take_error());
  if (Expected<void> ok = write_file_atomically(a.output, text); !ok) return out.fail(ok.take_error());
  if (out.json()) out.emit_json("verify", 1, verify_json(r));
  else out.print(fmt::format("merged {} parts into {}\n", parts.size(), a.output) + render_verify_text(r));
  return r.passed ? kExitOk : kExitCheckFailed;
}

int merge_calibration(const MergeArgs& a, const std::vector<nlohmann::json>& docs, Output& out) {
  if (!a.md.empty()) return out.fail(fail(Errc::BadInput, {.option = "--md"}, "is for verify parts, not calibration statistics"));
  std::vector<CalibrationJob> parts;
  for (size_t i = 0; i < docs.size(); ++i) {
    Expected<CalibrationJob> t = CalibrationJob::from_json(docs[i]);
    if (!t) { Error e = t.take_error(); e.where.file = a.parts[i]; return out.fail(e); }
    parts.push_back(std::move(*t));
  }
  Expected<CalibrationJob> sum = merge_calibration_jobs(parts);
  if (!sum) return out.fail(sum.take_error());
  if (Expected<void> ok = write_file_atomically(a.output, sum->to_json().dump() + "\n"); !ok) return out.fail(ok.take_error());
  if (out.json())
    out.emit_json("merge", 1, {{"kind", "calibration_stats"}, {"parts", a.parts}, {"output", a.output},
                               {"samples", sum->stats.samples}, {"tensors", sum->stats.tensors.size()}});
  else
    out.print(fmt::format("merged {} parts into {}: {} samples, {} tensors, observer {}\n", parts.size(), a.output,
                          sum->stats.samples, sum->stats.tensors.size(), observer_kind_name(sum->stats.config.kind)));
  return kExitOk;
}

int merge_prune_analysis(const MergeArgs& a, const std::vector<nlohmann::json>& docs, Output& out) {
  if (!a.md.empty()) return out.fail(fail(Errc::BadInput, {.option = "--md"}, "is for verify parts, not prune --analyze parts"));
  std::vector<SensitivityReport> parts;
  for (size_t i = 0; i < docs.size(); ++i) {
    Expected<SensitivityReport> t = SensitivityReport::from_part_json(docs[i]);
    if (!t) { Error e = t.take_error(); e.where.file = a.parts[i]; return out.fail(e); }
    parts.push_back(std::move(*t));
  }
  Expected<SensitivityReport> sum = merge_sensitivity_parts(parts);
  if (!sum) return out.fail(sum.take_error());
  // The same text as `prune --analyze --json` prints for one run (cli/output.cc's emit_json).
  const std::string text = analyze_json(*sum, true).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  if (Expected<void> ok = write_file_atomically(a.output, text); !ok) return out.fail(ok.take_error());
  if (out.json()) out.emit_json("prune-analyze", 1, analyze_json(*sum));
  else out.print(fmt::format("merged {} parts into {}\n", parts.size(), a.output) + analyze_text(*sum));
  return kExitOk;
}

int run_merge(const MergeArgs& a, Output& out) {
  std::vector<nlohmann::json> docs;
  std::string kind;
  for (const std::string& p : a.parts) {
    Expected<nlohmann::json> j = read_json(p);
    if (!j) return out.fail(j.take_error());
    const std::string schema = j->value("schema", "");
    if (schema != kVerifyPartSchema && schema != "tinyopt.calibration_stats/1" && schema != kSensitivityPartSchema)
      return out.fail(fail(Errc::BadInput, {.file = p}, "schema '{}' is not a part tinyopt merges ({} from verify --shard, "
                                                       "tinyopt.calibration_stats/1 from calibrate --shard, {} from prune "
                                                       "--analyze --shard)", schema, kVerifyPartSchema, kSensitivityPartSchema));
    if (!kind.empty() && schema != kind)
      return out.fail(fail(Errc::BadInput, {.file = p}, "is a {} part, but {} is a {} part", schema, a.parts[0], kind));
    kind = schema;
    docs.push_back(std::move(*j));
  }
  if (kind == kSensitivityPartSchema) return merge_prune_analysis(a, docs, out);
  return kind == kVerifyPartSchema ? merge_verify(a, docs, out) : merge_calibration(a, docs, out);
}

}  // namespace

CommandRun add_merge(CLI::App& sub) {
  auto a = std::make_shared<MergeArgs>();
  sub.footer("Parts: the files `calibrate --shard i/n -o PART`, `verify --shard i/n -o PART` or\n"
             "`prune --analyze --shard i/n -o PART` wrote, one per shard.\n"
             "The merged result equals one run over the whole dataset exactly.");
  sub.add_option("parts", a->parts, "the shards' part files")->required();
  sub.add_option("-o,--output", a->output, "merged statistics (calibrate parts), verify report JSON (verify parts) or prune --analyze JSON")->required();
  sub.add_option("--md", a->md, "verify parts: also write the Markdown pull-request comment to F");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_merge(*a, out);
  };
}

}  // namespace tinyopt::cli
