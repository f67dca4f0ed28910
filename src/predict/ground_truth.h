// The dataset's ground truth, measured by the profiler into the profile store
// (so that an interrupted build resumes where it stopped) and read back from
// it through the planner, which prices every split index exactly as `plan`
// does for the same elements and link.
#pragma once

#include <cstdint>
#include <string>

#include "plan/link.h"
#include "predict/dataset.h"
#include "profile/profile_store.h"
#include "profile/profiler.h"

namespace splitinfer::predict {

// Whether the store holds random_cnn(seed)'s complete profile (every unit,
// the whole model, every prefix and suffix) on both `elements`, measured on
// `machine`.
bool has_ground_truth(const ProfileStore& store, uint64_t seed, const std::string& machine,
                      const ElementPair& elements);

// Measures random_cnn(seed) on both `elements` at once, as `plan` profiles
// a model it lacks (an INT8 element calibrated on the default synthetic
// inputs), and stores the timings under `machine`.
void measure_ground_truth(ProfileStore& store, uint64_t seed, const std::string& machine,
                          const ElementPair& elements, const ProfileOptions& options);

// The record of random_cnn(seed) on `elements` from the store, its splits
// priced over `link` in direct mode. Throws an invalid_input Error naming
// the model unless has_ground_truth.
ModelRecord ground_truth_record(const ProfileStore& store, uint64_t seed,
                                const std::string& machine, const ElementPair& elements,
                                const Link& link);

// The records of seeds [first_seed, first_seed + count).
Dataset assemble_dataset(const ProfileStore& store, uint64_t first_seed, int count,
                         const std::string& machine, const ElementPair& elements, const Link& link);

}  // namespace splitinfer::predict
