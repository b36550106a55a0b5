// calibration/progress.h: a one-line progress bar on stderr, drawn only when stderr is a terminal (so scripts
// and CI logs stay clean) and at most ~10 times a second. Thread-safe: tick() may be called from workers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace tinyopt {

class ProgressBar {
 public:
  // `enabled` false (or stderr not a terminal) makes every call a no-op.
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  void tick(size_t n = 1);

 private:
  void draw(size_t done);
  std::string label_;
  size_t total_;
  bool on_;
  std::atomic<size_t> done_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_;
};

// True when stderr is a terminal.
bool stderr_is_terminal();

}  // namespace tinyopt
