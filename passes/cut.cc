// passes/cut.cc: `cut{outputs=[a,b],inputs=[c]}`: makes the named tensors the graph's outputs, in that order, and
// drops every op and tensor that does not feed them; with `inputs`, the named tensors become the graph's inputs
// and what computed them goes too. It extracts part of a model: the logits before a SOFTMAX (to compare them with
// another runtime, where a softmax would amplify a 1-LSB difference), a backbone's features, or one op alone (to
// compare one kernel given identical inputs). Without `inputs` the graph inputs stay, used or not: they are the
// model's interface (as in remove-dead).
#include <charconv>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

struct CutOptions {
  std::vector<std::string> outputs;  // tensor names, or "#N" for tensor index N (names need not be unique)
  std::vector<std::string> inputs;   // the same; empty: the graph's inputs stay
};

// The tensor an outputs= item names: "#N" is tensor index N; otherwise the one tensor with that name.
Expected<TensorId> find_tensor(const Graph& g, const std::string& item, const char* option) {
  if (item.size() > 1 && item[0] == '#') {
    int64_t index = -1;
    auto [end, ec] = std::from_chars(item.data() + 1, item.data() + item.size(), index);
    if (ec != std::errc() || end != item.data() + item.size() || index < 0 ||
        index >= static_cast<int64_t>(g.tensors.size()))
      return fail(Errc::BadInput, {.file = g.source, .option = option},
                  "'{}' is not a tensor index (the model has tensors #0..#{})", item, g.tensors.size() - 1);
    return static_cast<TensorId>(index);
  }
  std::vector<TensorId> found;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].name == item) found.push_back(static_cast<TensorId>(i));
  if (found.empty())
    return fail(Errc::BadInput, {.file = g.source, .tensor = item, .option = option}, "no tensor has this name");
  if (found.size() > 1)
    return fail(Errc::BadInput, {.file = g.source, .tensor = item, .option = option},
                "{} tensors have this name (#{} and #{} ...): name one by index, '#{}'", found.size(), found[0],
                found[1], found[0]);
  return found[0];
}

// The tensors an option names, each an activation (not a constant) and named once.
Expected<std::vector<TensorId>> find_tensors(const Graph& g, const std::vector<std::string>& items, const char* option) {
  std::vector<TensorId> ids;
  for (const std::string& item : items) {
    Expected<TensorId> t = find_tensor(g, item, option);
    if (!t) return t.take_error();
    const Tensor& tensor = g.tensor(*t);
    if (tensor.is_constant || (!g.producer(*t) && !g.is_graph_input(*t)))
      return fail(Errc::BadInput, {.file = g.source, .tensor = tensor.name, .option = option},
                  "a constant cannot be a model input or output (name an op's result)");
    for (TensorId seen : ids)
      if (seen == *t) return fail(Errc::BadInput, {.file = g.source, .tensor = tensor.name, .option = option}, "named twice");
    ids.push_back(*t);
  }
  return ids;
}

class CutPass : public Pass {
 public:
  explicit CutPass(CutOptions o) : o_(std::move(o)) {}

  Expected<PassResult> run(Graph& g, PassContext&) override {
    if (o_.outputs.empty())
      return fail(Errc::BadInput, {.option = "cut.outputs"}, "name at least one tensor: cut{{outputs=[name]}}");
    Expected<std::vector<TensorId>> outputs = find_tensors(g, o_.outputs, "cut.outputs");
    if (!outputs) return outputs.take_error();
    Expected<std::vector<TensorId>> inputs = find_tensors(g, o_.inputs, "cut.inputs");
    if (!inputs) return inputs.take_error();
    const std::vector<TensorId> new_inputs = o_.inputs.empty() ? g.inputs : *inputs;
    const std::set<TensorId> given(new_inputs.begin(), new_inputs.end());

    // Walk the ops backwards from the new outputs: an op stays when one of its results is needed (and is not a
    // new input), and then its inputs are needed. Ops are in execution order, so one reverse sweep sees every
    // consumer before its producer.
    std::set<TensorId> needed(outputs->begin(), outputs->end());
    std::set<int> dropped;
    for (int i = static_cast<int>(g.ops.size()) - 1; i >= 0; --i) {
      const Op& op = g.ops[static_cast<size_t>(i)];
      bool keep = false;
      for (TensorId o : op.outputs) keep = keep || (needed.count(o) > 0 && given.count(o) == 0);
      if (!keep) {
        dropped.insert(i);
        continue;
      }
      for (TensorId in : op.inputs)
        if (in != kNoTensor) needed.insert(in);
    }
    for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
      if (dropped.count(i)) continue;
      for (TensorId o : g.ops[static_cast<size_t>(i)].outputs)
        if (given.count(o))
          return fail(Errc::BadInput, {.file = g.source, .tensor = g.tensor(o).name, .option = "cut.inputs"},
                      "op #{} computes this input and another tensor the outputs need: it cannot be an input", i);
    }
    // Every activation the kept ops read must now come from a kept op or a graph input.
    for (TensorId t : needed) {
      const Tensor& tensor = g.tensor(t);
      if (tensor.is_constant || tensor.is_variable || given.count(t)) continue;
      std::optional<int> p = g.producer(t);
      if (!p || dropped.count(*p))
        return fail(Errc::BadInput, {.file = g.source, .tensor = tensor.name, .option = "cut.inputs"},
                    "the outputs need this tensor: name it among the inputs too");
    }
    const bool same_outputs = *outputs == g.outputs && new_inputs == g.inputs;
    g.outputs = *outputs;
    g.inputs = new_inputs;
    erase_ops(g, dropped);
    int tensors_removed = drop_unreferenced_tensors(g);

    PassResult r;
    r.changed = !same_outputs || !dropped.empty() || tensors_removed > 0;
    std::string names;
    for (TensorId t : g.outputs) names += (names.empty() ? "'" : ", '") + g.tensor(t).name + "'";
    std::string input_names;
    for (TensorId t : g.inputs) input_names += (input_names.empty() ? "'" : ", '") + g.tensor(t).name + "'";
    r.summary = o_.inputs.empty()
                    ? fmt::format("outputs {}; removed {} ops and {} tensors", names, dropped.size(), tensors_removed)
                    : fmt::format("inputs {}, outputs {}; removed {} ops and {} tensors", input_names, names,
                                  dropped.size(), tensors_removed);
    r.counters = {{"ops_removed", static_cast<int64_t>(dropped.size())}, {"tensors_removed", tensors_removed}};
    return r;
  }

 private:
  CutOptions o_;
};

}  // namespace

PassInfo cut_pass_info() {
  return pass_info<CutOptions>(
      "cut", "Make the named tensors the model's outputs and remove every op that does not feed them.",
      {option("outputs", &CutOptions::outputs, "the new outputs, in order: tensor names, or #N for tensor index N"),
       option("inputs", &CutOptions::inputs, "the new inputs, in order ([]: the model's inputs stay)")},
      [](CutOptions o) { return std::make_unique<CutPass>(std::move(o)); });
}

}  // namespace tinyopt
