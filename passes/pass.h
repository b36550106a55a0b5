// passes/pass.h: the Pass interface, its declared options, and what a pass gets (PassContext) and returns
// (PassResult).
//
// A pass is described once by a PassInfo: its kebab-case name, a one-line summary, an option table, what inputs
// it needs beyond the graph, and a factory. The option table is declared once, typed, in the pass's file
// (passes/pass_options.h); it feeds the pipeline parser (passes/pipeline_parser.h), `tinyopt passes`, the
// canonical printed form, the JSON config and the subcommands' CLI flags. Option values travel as canonical text
// in a PassSpec (what the pipeline says, defaults filled in); the factory stores them into the pass's option struct.
//
// The registry of passes is an explicit list in passes/registry.cc; running them is passes/pass_manager.h.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

class Dataset;            // formats/dataset/dataset.h
struct CalibrationStats; // calibration/stats.h
struct Target;           // reports/target.h

// The type of an option's value, which decides how the parser checks it and how it is printed.
enum class OptionKind {
  Bool,    // true | false
  Int,     // decimal integer, within [min, max]
  Float,   // decimal number, within [min, max]
  String,  // any text without ',', '{', '}', '[', ']', '='
  Enum,    // one of `choices`
  List,    // [a,b,c] of strings (op or tensor names); printed as [a,b,c], [] when empty
};

// One declared option of a pass.
struct OptionSpec {
  std::string name;                  // kebab-case: "bias-correction"
  OptionKind kind = OptionKind::String;
  std::string default_value;         // canonical text of the default ("0.5", "per-channel", "[]")
  std::string help;                  // one line for `tinyopt passes`
  std::vector<std::string> choices;  // Enum only
  double min = -1e300, max = 1e300;  // Int/Float only, inclusive
};

// A pass with its options resolved: every declared option present, values in canonical text.
// Two specs are equal when the name and every value are equal, which is what parse(print(p)) == p checks.
struct PassSpec {
  std::string name;
  std::map<std::string, std::string> options;  // sorted by key: the canonical print order

  // "quantize{activations=int8,weights=per-channel}": every option, keys sorted, defaults included.
  std::string print() const;
  bool operator==(const PassSpec&) const = default;
};

// The items of a canonical list value: "[a,b]" -> {"a", "b"}.
std::vector<std::string> split_list_value(const std::string& canonical);

// One row of a pass's per-layer figures (prune: weights, zeros, channels kept), in op order.
struct LayerFigures {
  int op = 0;
  std::string name;                        // the op's output tensor name
  std::map<std::string, double> values;    // {"sparsity": 0.5, "zeros": 72, ...}
};

// What a pass run did: the manager prints `summary`, skips IR dumps when !changed, and --json reports all of it.
struct PassResult {
  bool changed = false;
  std::string summary;                       // one line: "folded 2 MUL/ADD pairs into conv weights"
  std::map<std::string, int64_t> counters;   // named figures: {"folded": 2}
  std::vector<std::string> notes;            // fallbacks the user must see ("tensor 'x': zero-width range ...")
  std::vector<LayerFigures> layers;          // per-layer figures, for --json (may be empty)
};

// Everything a pass may need beyond the graph. Pointers are borrowed and may be null when the pipeline does not
// provide them; a pass that needs one and finds none returns a BadInput error naming what is missing.
struct PassContext {
  const Dataset* calibration = nullptr;         // samples for calibration (quantize), evaluation (prune, distill)
  const CalibrationStats* stats = nullptr;      // precomputed activation statistics (quantize skips calibrating)
  const Dataset* training = nullptr;            // training samples (labelled unless the pass takes unlabelled ones)
  const Graph* teacher = nullptr;               // the float teacher for distillation
  const Target* target = nullptr;               // the board a pass optimizes for
  uint64_t seed = 0;
  bool progress = false;                        // a progress bar on stderr is allowed (stderr is a terminal)
  std::function<void(const std::string&)> log;  // debug lines; may be empty
  // Figures of a long pass as it runs (distill: one call per epoch with "epoch", "step", "loss", ...); may be empty.
  std::function<void(const std::string& pass, const std::map<std::string, double>& figures)> on_progress;
  void debug(const std::string& line) const { if (log) log(line); }
};

class Pass {
 public:
  virtual ~Pass() = default;
  virtual Expected<PassResult> run(Graph& g, PassContext& ctx) = 0;
  // The spec the pass was made from (set by make_pass): its name and options, for dumps and provenance.
  const PassSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  void set_spec(PassSpec s) { spec_ = std::move(s); }

 private:
  PassSpec spec_;
};

using PassFactory = std::function<Expected<std::unique_ptr<Pass>>(const PassSpec&)>;

// What a pass needs beyond the graph. The pipeline driver (passes/driver.h) loads exactly what the pipeline's
// passes need, and a missing input is an error naming the pass and the flag that supplies it.
struct PassNeeds {
  bool calibration = false;    // samples of the model inputs (--calib)
  bool labelled_data = false;  // training samples with labels (--train)
  bool training_data = false;  // training samples, labels optional (--train [--labels]): distillation
  bool teacher = false;        // a teacher model (--teacher, or the model as it entered the pipeline)
  bool target = false;         // a target board (--target)
};

// A registered pass: name, summary, option table, factory, inputs.
struct PassInfo {
  std::string name;
  std::string summary;
  std::vector<OptionSpec> options;
  PassFactory create;
  PassNeeds needs;

  const OptionSpec* find_option(std::string_view key) const;
  // The spec with every option at its default.
  PassSpec default_spec() const;
};

// Canonical text of a float option value (shortest text that reads back to the same double).
std::string format_float_option(double v);

}  // namespace tinyopt
