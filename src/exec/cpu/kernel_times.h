// Two clocks on the kernels of the CPU partitions, switched on and off at run
// time, for bench/overhead.py's framework overhead: oneDNN's own (inside its
// kernels) and splitinfer's (around each library call).
#pragma once

#include <cstdint>

namespace splitinfer::cpu {

// While on, oneDNN prints a line with the time of every kernel it runs to
// standard output (DNNL_VERBOSE's exec lines), for the whole process. Its
// clock ticks in microseconds.
void print_kernel_times(bool on);

// Time spent in a partition's steps: oneDNN execute calls (the input's
// reorder included) and splitinfer's C++ kernels, each timed from outside
// with the steady clock, oneDNN's dispatch inside the call counted with it.
// Nothing is printed between steps, so a run of a few microseconds is timed
// without the disturbance of oneDNN's verbose lines.
struct StepTimes {
  double ms = 0.0;    // summed durations
  int64_t steps = 0;  // steps timed
};

// CPU partitions add their steps to `into` while it is set (nullptr: off).
// For one thread at a time: the partitions that run while it is set add
// without synchronising.
void time_steps(StepTimes* into);
StepTimes* step_times();

// The steady clock's own share of a timed step: the median of many
// back-to-back readings' differences, in milliseconds.
double clock_reading_ms();

}  // namespace splitinfer::cpu
