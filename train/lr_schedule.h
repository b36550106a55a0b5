// train/lr_schedule.h: learning rate as a function of the optimisation step.
//   constant:  lr
//   step:      lr * gamma^floor(step / step_size)
//   cosine:    min_lr + (lr - min_lr) * (1 + cos(pi * step / total_steps)) / 2   (SGDR without restarts)
// Each may start with `warmup_steps` of linear warm-up from lr / warmup_steps.
#pragma once

#include <cstdint>

namespace tinyopt {

struct LrSchedule {
  enum class Kind { Constant, Step, Cosine } kind = Kind::Constant;
  double lr = 1e-3;
  double min_lr = 0;          // cosine floor
  int64_t step_size = 1000;   // step: steps between decays
  double gamma = 0.1;         // step: decay factor
  int64_t total_steps = 1;    // cosine: steps to reach min_lr
  int64_t warmup_steps = 0;

  double at(int64_t step) const;
};

}  // namespace tinyopt
