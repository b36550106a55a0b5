// passes/remove_dead.cc: `remove-dead`: drops ops none of whose outputs is used (by a later op or as a graph
// output), repeatedly, then tensors nothing references. Graph inputs are kept even when unused: they are the
// model's interface.
#include <set>

#include <fmt/format.h>

#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"

namespace tinyopt {
namespace {

class RemoveDeadPass : public Pass {
 public:
  Expected<PassResult> run(Graph& g, PassContext&) override {
    int ops_removed = 0;
    for (bool again = true; again;) {
      again = false;
      std::set<int> dead;
      for (size_t i = 0; i < g.ops.size(); ++i) {
        bool used = false;
        for (TensorId o : g.ops[i].outputs)
          if (g.is_graph_output(o) || !g.consumers(o).empty()) used = true;
        if (!used) dead.insert(static_cast<int>(i));
      }
      if (!dead.empty()) {
        erase_ops(g, dead);
        ops_removed += static_cast<int>(dead.size());
        again = true;
      }
    }
    int tensors_removed = drop_unreferenced_tensors(g);
    PassResult r;
    r.changed = ops_removed > 0 || tensors_removed > 0;
    r.summary = fmt::format("removed {} ops and {} tensors", ops_removed, tensors_removed);
    r.counters = {{"ops_removed", ops_removed}, {"tensors_removed", tensors_removed}};
    return r;
  }
};

}  // namespace

PassInfo remove_dead_pass_info() {
  return pass_info("remove-dead", "Remove ops whose results are never used, and tensors nothing references.",
                   [] { return std::make_unique<RemoveDeadPass>(); });
}

}  // namespace tinyopt
