// passes/distill_loop.h: the training loop of the `distill` pass, on top of train/trainer.h's steps.
//
// Over `steps` optimisation steps (or whole epochs) on the training part of the data, reshuffled each epoch by
// ir/rng.h from the seed: gradual pruning re-masks before the steps its schedule names; after each epoch the
// student runs on the held-out part (runtime/evaluate.h) and is compared with the teacher's outputs there:
// top-1 agreement (classifiers), accuracy (with labels) or MSE (other outputs). The best epoch's weights, counted
// only once pruning has reached its final sparsity, are restored at the end; `patience` epochs without a better
// score stop early. A non-finite loss stops at once with the step and the first op (or input sample) that
// produced a non-finite value; the student is then left as it entered. Channel granularity masks the chosen
// channels while training and removes them from the student at the end (passes/distill_channels.h).
#pragma once

#include <cstdint>
#include <optional>

#include "formats/dataset/dataset.h"
#include "passes/distill_channels.h"
#include "passes/distill_constraints.h"
#include "passes/pass.h"
#include "train/trainer.h"

namespace tinyopt {

struct DistillSettings {
  TrainConfig train;            // loss, batch, threads, seed, optimizer, schedule, teacher, masks, ties
  int epochs = 1;
  int64_t steps = 0;            // > 0: exactly this many steps (epochs then only mark reshuffles and reports)
  double holdout = 0.1;         // fraction of the data held out (0: none)
  int patience = 0;             // epochs without improvement before stopping (0: never stop early)
  GradualPruning pruning;       // begin/end in steps; end 0 -> 3/4 of the run
  ChannelPruningTarget channels;  // pruning.granularity == Channel: what goes (channels are removed at the end)
  bool classifier = true;       // the student ends in SOFTMAX: agreement/accuracy, else MSE
};

struct DistillReport {
  int64_t steps = 0;
  int epochs = 0;                       // epochs reported (a last partial one counts)
  int64_t train_samples = 0, holdout_samples = 0;
  double first_loss = 0, last_loss = 0; // mean training loss of the first and the last epoch
  std::optional<double> agreement, accuracy, mse;  // held-out figures of the weights kept
  int best_epoch = 0;                   // the epoch whose weights were kept (0: the last, no held-out data)
  bool early_stop = false;
  double final_sparsity = 0;            // gradual pruning's final target (0 when off)
  std::optional<GradualChannelPruning::Removal> channels;  // channel granularity: what was removed at the end
  std::vector<std::pair<std::string, std::pair<float, float>>> qat_ranges;  // QAT: learned activation ranges
};

// Trains `student` in place (on success) towards `teacher` on `data`.
Expected<DistillReport> run_distillation(Graph& student, const Graph& teacher, const Dataset& data,
                                         DistillSettings settings, const PassContext& ctx);

}  // namespace tinyopt
