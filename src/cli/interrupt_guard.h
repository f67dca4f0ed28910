// SIGINT as a request to stop: while a guard lives, Ctrl-C sets a flag that
// a long command polls, so that it ends cleanly (a partial report, no partial
// output file) instead of dying halfway through.
#pragma once

#include <atomic>

namespace splitinfer::cli {

class InterruptGuard {
 public:
  InterruptGuard();   // clears the flag and catches SIGINT
  ~InterruptGuard();  // restores the previous handler
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Set once SIGINT arrived.
  const std::atomic<bool>& flag() const;
  bool interrupted() const { return flag().load(); }

 private:
  void (*previous_)(int);
};

}  // namespace splitinfer::cli
