// train/lr_schedule.cc: the learning-rate schedules.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tinyopt {

double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps) return lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  switch (kind) {
    case Kind::Constant: return lr;
    case Kind::Step: return lr * std::pow(gamma, static_cast<double>(step / std::max<int64_t>(step_size, 1)));
    case Kind::Cosine: {
      const double t = std::clamp(static_cast<double>(step) / static_cast<double>(std::max<int64_t>(total_steps, 1)), 0.0, 1.0);
      return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
    }
  }
  return lr;
}

}  // namespace tinyopt
