// cli/cmd_verify.cc: `tinyopt verify REFERENCE CANDIDATE --data X [--labels Y] [thresholds] [--per-layer] [--json]
// [--md F] [--shard i/n -o PART.json]`: the CI gate. Exit 1 when a threshold is crossed (each failing one named
// with its measured value), 0 otherwise, 2 on bad input. With --shard, the shard's tally is written to PART.json
// for `tinyopt merge` and the thresholds are applied there. The work is verify/verify.h; printing verify/render.h.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "formats/atomic_file.h"
#include "verify/render.h"

namespace tinyopt::cli {
namespace {

struct VerifyArgs {
  VerifyInputs in;
  std::string shard, part, md;
  double max_top1_drop = 0, min_agreement = 0, min_sqnr = 0, max_mse = 0;
  CLI::Option *o_drop = nullptr, *o_agree = nullptr, *o_sqnr = nullptr, *o_mse = nullptr;
  bool json = false;
};

int run_verify(VerifyArgs& a, Output& out) {
  if (*a.o_drop) a.in.thresholds.max_top1_drop = a.max_top1_drop;
  if (*a.o_agree) a.in.thresholds.min_agreement = a.min_agreement;
  if (*a.o_sqnr) a.in.thresholds.min_sqnr = a.min_sqnr;
  if (*a.o_mse) a.in.thresholds.max_mse = a.max_mse;
  if (!a.shard.empty()) {
    Expected<ShardSpec> spec = parse_shard_spec(a.shard);
    if (!spec) return out.fail(spec.take_error());
    a.in.shard = *spec;
    if (a.part.empty()) return out.fail(fail(Errc::BadInput, {.option = "--shard"}, "a shard's tally needs -o PART.json (then: tinyopt merge PART... -o OUT.json)"));
    if (a.in.per_layer) return out.fail(fail(Errc::BadInput, {.option = "--per-layer"}, "conflicts with --shard: the per-layer view needs the whole dataset"));
    if (!a.md.empty()) return out.fail(fail(Errc::BadInput, {.option = "--md"}, "conflicts with --shard: write the Markdown at the merge step"));
    Expected<VerifyTally> t = tally_models(a.in);
    if (!t) return out.fail(t.take_error());
    if (Expected<void> ok = write_file_atomically(a.part, t->to_json().dump(2) + "\n"); !ok) return out.fail(ok.take_error());
    if (out.json())
      out.emit_json("verify-shard", 1, {{"part", a.part}, {"shard", a.shard}, {"samples", t->samples}, {"dataset_samples", t->dataset_samples}});
    else
      out.print(fmt::format("wrote {}: shard {} ({} of {} samples); combine the parts with tinyopt merge\n", a.part, a.shard,
                            t->samples, t->dataset_samples));
    return kExitOk;
  }
  if (!a.part.empty()) return out.fail(fail(Errc::BadInput, {.option = "-o"}, "-o PART.json is for --shard i/n runs (use --json or --md for a whole run)"));
  Expected<VerifyReport> r = verify_models(a.in);
  if (!r) return out.fail(r.take_error());
  if (!a.md.empty())
    if (Expected<void> ok = write_file_atomically(a.md, render_verify_markdown(*r)); !ok) return out.fail(ok.take_error());
  if (out.json()) out.emit_json("verify", 1, verify_json(*r));
  else out.print(render_verify_text(*r));
  return r->passed ? kExitOk : kExitCheckFailed;
}

}  // namespace

CommandRun add_verify(CLI::App& sub) {
  auto a = std::make_shared<VerifyArgs>();
  sub.footer(
      "Runs both models (float or int8, any combination) over the data on every core and compares the candidate's\n"
      "outputs with the reference's: accuracy (with labels), top-1 agreement, SQNR, MSE and max error per output.\n"
      "Exit 1 when a threshold is crossed. --per-layer adds the SQNR of every activation along the graph and the\n"
      "layers where it drops most. --shard i/n -o PART.json verifies one shard; tinyopt merge combines the parts.");
  sub.add_option("reference", a->in.reference, "reference model (.tflite), usually the float one")->required();
  sub.add_option("candidate", a->in.candidate, "candidate model (.tflite): quantized, pruned, ...")->required();
  sub.add_option("--data", a->in.data, "samples (.npy, .npz with x[/y], folder of .npy or images, IDX); one per model input")
      ->required();
  sub.add_option("--labels", a->in.labels, "class labels (.npy integer vector or IDX labels file)");
  a->o_drop = sub.add_option("--max-top1-drop", a->max_top1_drop, "fail when accuracy drops by more than PP percentage points");
  a->o_agree = sub.add_option("--min-agreement", a->min_agreement, "fail when fewer than P percent of top-1 classes agree")
                   ->check(CLI::Range(0.0, 100.0));
  a->o_sqnr = sub.add_option("--min-sqnr", a->min_sqnr, "fail when an output's SQNR is below DB decibels");
  a->o_mse = sub.add_option("--max-mse", a->max_mse, "fail when an output's mean squared error is above V")->check(CLI::NonNegativeNumber);
  sub.add_flag("--per-layer", a->in.per_layer, "per-tensor SQNR along the graph and where the error grows most");
  sub.add_option("--md", a->md, "write a Markdown pull-request comment (verdict, figures, thresholds) to F");
  sub.add_option("--shard", a->shard, "verify shard i of n (0-based) and write its tally with -o PART.json");
  sub.add_option("-o,--output", a->part, "where --shard writes its tally");
  sub.add_option("--num-samples", a->in.max_samples, "use only the first N samples of the data (default all)");
  sub.add_option("--threads", a->in.threads, "threads (default: every core)");
  sub.add_option("--scale", a->in.data_options.scale, "integer data: value * scale + offset (pixels default 1/255)");
  sub.add_option("--offset", a->in.data_options.offset, "integer data: value * scale + offset (default 0)");
  add_json_flag(sub, a->json);
  return [a](Output& out) {
    out.set_json(a->json);
    return run_verify(*a, out);
  };
}

}  // namespace tinyopt::cli
