// Measuring models into the profile store, for `profile` and for the
// commands that plan and run splits (which profile what the store lacks).
#pragma once

#include <string>
#include <vector>

#include "exec/calibration.h"
#include "profile/profile_store.h"
#include "profile/profiler.h"

namespace splitinfer {

// The store rows of a profile of a model with `unit_count` units.
std::vector<RangeTiming> profile_ranges(const ModelProfile& profile, int unit_count);

// The store holds every unit and the whole model, and every prefix and suffix
// when `splits`.
bool has_complete_profile(const ProfileStore& store, const ProfileKey& key, int unit_count,
                          bool splits);

struct ElementProfileJob {
  std::string element;
  const Calibration* calibration = nullptr;  // for INT8 elements
  // For a float element after an INT8 one: its suffixes are timed on INT8
  // codes of these scales (ProfileOptions::suffix_codes).
  const Calibration* suffix_codes = nullptr;
};

// Measures each element on a thread of its own placed on it, and stores the
// results under `machine`. Elements on different cores are measured at once,
// in step: split i's prefix on one while the other times that split's suffix
// (as the two stages of a pipeline run), whoever finishes a measurement
// first running its partition until the other is done, so every element is
// timed under its partner's load on the shared caches and memory; the whole
// model, which an element runs alone, is timed with the others idle. The input is the
// model's input (standard normal noise when empty).
void measure_into_store(const Graph& graph, const std::vector<ElementProfileJob>& jobs,
                        const std::vector<float>& input, const ProfileOptions& options,
                        ProfileStore& store, const std::string& machine);

// The store holds the whole model timed on every one of `elements` beside
// all the others (measure_beside_partners).
bool has_beside_partners(const ProfileStore& store, const Graph& graph,
                         const std::vector<std::string>& elements, const std::string& machine);

// Whether `jobs` can be measured at once, each element beside the others:
// two or more, each on a core of its own (no `cpu:*`, which spans them all).
bool measurable_together(const std::vector<ElementProfileJob>& jobs);

// Times the whole model on every element while all the others run their
// whole model at the same time, as the replicas of a data-parallel schedule
// do, and stores each under the others' names (ProfileStore::put_beside).
// The elements start timing together, and whoever finishes first keeps
// running until the last is done; twice, the faster median kept. Requires
// measurable_together(jobs).
void measure_beside_partners(const Graph& graph, const std::vector<ElementProfileJob>& jobs,
                             const std::vector<float>& input, const ProfileOptions& options,
                             ProfileStore& store, const std::string& machine);

}  // namespace splitinfer
