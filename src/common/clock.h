// Time differences on the steady clock, the one clock splitinfer measures
// with (it never jumps when the wall clock is set), and a thread's CPU time.
#pragma once

#include <time.h>

#include <chrono>

namespace splitinfer {

using SteadyClock = std::chrono::steady_clock;

// Milliseconds from `a` to `b`.
inline double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Milliseconds from `start` to now.
inline double ms_since(SteadyClock::time_point start) {
  return ms_between(start, SteadyClock::now());
}

// Seconds from `start` to now.
inline double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Milliseconds of CPU the calling thread has used (user and system), for
// what a thread costs the cores rather than how long it took.
inline double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace splitinfer
