// calibration/progress.cc: the terminal progress bar.
#include "calibration/progress.h"

#include <cstdio>
#include <unistd.h>

namespace tinyopt {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), on_(enabled && total > 0 && stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() {
  if (!on_) return;
  draw(done_.load());
  std::fputc('\n', stderr);
}

void ProgressBar::tick(size_t n) {
  if (!on_) return;
  size_t done = done_.fetch_add(n) + n;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (now - last_ < std::chrono::milliseconds(100) && done < total_) return;
  last_ = now;
  draw(done);
}

void ProgressBar::draw(size_t done) {
  const int width = 30;
  int filled = static_cast<int>(width * done / total_);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu %.1fs", label_.c_str(), filled, "##############################",
               width - filled, "", done, total_, secs);
  std::fflush(stderr);
}

}  // namespace tinyopt
