// ir/batching.h: a copy of a batch-1 graph whose batch dimension is N, for batched training (train/) and for the
// evaluator's multi-sample execution (runtime/evaluate.h).
//
// Every graph input's dimension 0 becomes N and shape inference recomputes each activation (it already turns
// RESHAPE targets of [1, X] into [N, X]). SQUEEZE ops that list no dimensions would also squeeze a batch of 1, so
// their dimensions are written out explicitly first. Tensor ids and op indices are unchanged, so gradients and
// weights map one to one onto the original graph.
#pragma once

#include "ir/graph.h"

namespace tinyopt {

Expected<Graph> with_batch_size(const Graph& g, int32_t batch);

// Recomputes the shape of every op output in execution order (after a graph input's shape changed, e.g. a batch
// dimension of 1 became N). Constants and graph inputs keep their shapes. A RESHAPE whose target hard-codes the
// old batch ([1, X]) follows it ([N, X]); its new_shape option and constant shape input are rewritten to match.
Expected<void> infer_shapes(Graph& g);

}  // namespace tinyopt
