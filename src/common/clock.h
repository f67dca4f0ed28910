// Time differences on the steady clock, the one clock splitinfer measures
// with (it never jumps when the wall clock is set).
#pragma once

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

}  // namespace splitinfer
