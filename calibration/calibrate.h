// calibration/calibrate.h: running a float model over calibration samples with observers attached.
//
// The samples run through the evaluator (runtime/evaluate.h); each worker's interpreter calls back after every op
// and each float output is fed to its tensor's observer, and the graph inputs are observed from the samples
// themselves. Workers take fixed, interleaved samples, each with its own statistics, merged at the end in worker
// order (which is why statistics must be mergeable). The moving-average observer depends on sample order and
// runs on one thread.
#pragma once

#include <vector>

#include "calibration/stats.h"
#include "formats/dataset/dataset.h"
#include "ir/graph.h"

namespace tinyopt {

struct CalibrationOptions {
  ObserverConfig observer;
  size_t num_samples = 0;                   // 0: every sample of the set
  size_t first_sample = 0;                  // start of the shard to observe
  bool progress = false;                    // progress bar (only drawn on a terminal)
  unsigned threads = 0;                     // 0: hardware concurrency (at most 8)
  std::vector<TensorId> channel_mean_tensors;  // tensors whose per-channel (last axis) means are recorded
};

// Observes every float activation of `g` (which must stay unchanged while this runs).
// Errors: empty set, NaN/Inf in an input sample (names the file and the sample) or an activation (names the tensor
// and the op), runtime errors.
Expected<CalibrationStats> calibrate(const Graph& g, const Dataset& data, const CalibrationOptions& options);

}  // namespace tinyopt
