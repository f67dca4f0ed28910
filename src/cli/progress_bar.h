// A one-line progress bar on stderr for long commands, redrawn in place:
//   [#######.................] 12/85 random_cnn_12: split 5/31, 9m40s left
// Drawn only when stderr is a terminal, so logs and tests see nothing of it.
// Safe to call from several threads (the profiler reports from one per
// element).
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace splitinfer::cli {

class ProgressBar {
 public:
  explicit ProgressBar(int total);
  ~ProgressBar();  // clears the line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool shown() const { return shown_; }
  // `done` of total finished, `what` in progress, and the caller's estimate
  // of the time left (none yet: "--").
  void draw(int done, const std::string& what, std::optional<double> seconds_left);
  void clear();

 private:
  const int total_;
  const bool shown_;
  std::mutex mutex_;
};

// "45s", "3m05s", "2h07m".
std::string format_duration(double seconds);

}  // namespace splitinfer::cli
