// The ground truth the split predictors learn from (Sec. 4.2 of the
// split-inference paper measures 1,700 random CNNs): for each random CNN,
// its unit graph's features and what the profiler measured of it on the two
// real elements, with the planner's verdict on every split index. Training
// and evaluation read only this, never a graph or the profile store.
//
// A split index k in 0..N runs units [0, k) on the first element and [k, N)
// on the second; k = 0 and k = N are the single-element runs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "plan/link.h"
#include "predict/node_features.h"

namespace splitinfer::predict {

// Two elements in pipeline order: what a dataset is measured on.
using ElementPair = std::array<std::string, 2>;

// The default pair, as the paper's: an INT8 accelerator first, a float
// element second.
inline const ElementPair kDefaultDatasetElements = {"cpu0:int8", "cpu1:fp32"};

// One random CNN. Times are measured medians in ms, kept to 10 ns.
struct ModelRecord {
  uint64_t seed = 0;       // random_cnn(seed) with default options built it
  std::string name;        // "random_cnn_<seed>"
  std::string model_hash;  // its structure_hash, the profile store's key
  int units = 0;           // N
  int reps = 0;            // timed repetitions behind each median
  UnitGraph graph;         // N nodes of kNodeFeatureCount features, edges along the data flow

  // Per unit: the unit alone, on each element of the dataset's pair.
  std::array<std::vector<double>, 2> unit_ms;

  // Per split index k = 0..N, as the planner prices the split:
  std::vector<double> first_ms;        // [0, k) as one partition on the first element (0 at k = 0)
  std::vector<double> second_ms;       // [k, N) as one partition on the second (0 at k = N)
  std::vector<int64_t> handoff_bytes;  // INT8 tensor plus header sent at the cut (0 at k = 0, N)
  std::vector<double> latency_ms;      // first + transfer + second
  std::vector<double> period_ms;       // the slower stage with its share of the transfer
  int best_latency_split = 0;          // exhaustive search, latency objective
  int best_throughput_split = 0;       // exhaustive search, throughput (period) objective
};

struct Dataset {
  ElementPair elements = kDefaultDatasetElements;
  std::string machine;  // machine_id() of the machine that measured
  Link link;            // the hand-off link the planner priced, direct mode
  std::vector<ModelRecord> models;
};

}  // namespace splitinfer::predict
