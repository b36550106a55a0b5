// train/batching.h: a copy of a batch-1 graph whose batch dimension is N, for batched training and evaluation.
//
// Every graph input's dimension 0 becomes N and shape inference recomputes each activation (it already turns
// RESHAPE targets of [1, X] into [N, X]). SQUEEZE ops that list no dimensions would also squeeze a batch of 1, so
// their dimensions are written out explicitly first. Tensor ids and op indices are unchanged, so gradients and
// weights map one to one onto the original graph.
#pragma once

#include "ir/graph.h"

namespace tinyopt {

Expected<Graph> with_batch_size(const Graph& g, int32_t batch);

}  // namespace tinyopt
