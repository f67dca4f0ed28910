// Measures a model on one element: every unit alone, the whole model in one
// piece, and, for split planning, every prefix [0, i) and suffix [i, N) as
// one partition, because sums of unit times miss fusion and cache effects.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "profile/timing.h"

namespace splitinfer {

struct ProfileOptions {
  int warmup = 3;  // untimed runs before each pass's runs of a partition
  int reps = 20;   // timed runs of each partition, over every pass together
  // Units, prefixes and suffixes are timed in this many passes over the
  // model (at most `reps`), each pass taking its share of the runs, and each
  // partition's runs pooled: a slow spell of a shared machine then falls on
  // one pass's runs of a partition rather than on all of them, and their
  // median stays put.
  int passes = 3;
  bool partitions = true;  // also prefixes and suffixes for every split index
  // Called before each measurement with a short description (progress).
  std::function<void(const std::string&)> progress;
  // Called after each measurement with a function that runs the measured
  // partition once more. Elements profiled together use it to keep running
  // until all of them finish the current measurement, so that each is
  // measured under the others' load.
  std::function<void(const std::function<void()>& run_again)> rendezvous;
  // Runs the whole-model measurement so that no other element profiled at
  // the same time is running meanwhile.
  std::function<TimingStats(const std::function<TimingStats()>& measure)> alone;
  // Measure split i's suffix before its prefix: paired with an element that
  // does not, each prefix is timed while the partner times that split's
  // suffix, as in a two-stage pipeline.
  bool suffix_first = false;
  // When set, every suffix is timed on the INT8 codes (scales of this
  // calibration) that an INT8 stage before it hands over, as in a pipeline
  // after an INT8 element: the suffix pays its dequantize in the profile.
  // Unset, it is timed on the float tensor its own previous unit made.
  const Calibration* suffix_codes = nullptr;
};

struct ModelProfile {
  std::vector<TimingStats> units;     // unit i alone
  TimingStats whole;                  // units [0, N) as one partition; the faster of two timings
  std::vector<TimingStats> prefixes;  // index i: units [0, i), i = 1..N-1 (0 unused)
  std::vector<TimingStats> suffixes;  // index i: units [i, N), i = 1..N-1 (0 unused)
};

// Runs on the calling thread, which the caller has placed on the element
// (enter_element). `input` is the model input; INT8 elements need a
// calibration.
ModelProfile profile_model(const Graph& graph, Backend& backend, const Calibration* calibration,
                           const std::vector<float>& input, const ProfileOptions& options);

}  // namespace splitinfer
