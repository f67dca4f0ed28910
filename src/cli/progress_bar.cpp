#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace splitinfer::cli {

namespace {

constexpr int kBarWidth = 24;

}  // namespace

ProgressBar::ProgressBar(int total) : total_(std::max(total, 1)), shown_(isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::draw(int done, const std::string& what, std::optional<double> seconds_left) {
  if (!shown_) return;
  const int filled = kBarWidth * std::clamp(done, 0, total_) / total_;
  const std::string bar = std::string(static_cast<size_t>(filled), '#') +
                          std::string(static_cast<size_t>(kBarWidth - filled), '.');
  const std::string left = seconds_left ? format_duration(*seconds_left) + " left" : "-- left";
  std::lock_guard lock(mutex_);
  std::cerr << "\r[" << bar << "] " << done << "/" << total_ << " " << what << ", " << left
            << "\033[K" << std::flush;
}

void ProgressBar::clear() {
  if (!shown_) return;
  std::lock_guard lock(mutex_);
  std::cerr << "\r\033[K" << std::flush;
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  char text[32];
  if (s < 60) std::snprintf(text, sizeof text, "%lds", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s % 3600 / 60);
  return text;
}

}  // namespace splitinfer::cli
