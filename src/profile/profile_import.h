// Import of latency profiles measured elsewhere (on a real DPU or GPU that is
// not attached here), so that the planner can use such an element.
//
// JSON (file name ending in .json):
//   {"model": "resnet18", "element": "dpu:int8", "source_note": "...",
//    "units": [{"index": 0, "name": "conv1", "median_ms": 0.8,
//               "p10_ms": 0.7, "p90_ms": 0.9}, ...],
//    "splits": [{"split": 3, "side": "prefix", "median_ms": 2.1}, ...]}
// "name", "p10_ms", "p90_ms" (default: the median), "splits", "model" and
// "source_note" are optional; "model" and "source_note" are not checked.
//
// CSV (file name ending in .csv), the element named by the caller:
//   kind,index,name,median_ms,p10_ms,p90_ms
//   unit,0,conv1,0.8,0.7,0.9
//   prefix,3,,2.1,,
// kind is unit (index = unit index) or prefix / suffix (index = split index).
//
// Every unit of the model must appear exactly once; a split s gives the
// range [0, s) (prefix) or [s, N) (suffix). Where two entries time the same
// units (unit 0 and the prefix of split 1, unit N-1 and the suffix of split
// N-1, the prefix of split N and the suffix of split 0) the first is kept.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "profile/profile_store.h"

namespace splitinfer {

struct ExternalProfile {
  std::string element;
  std::vector<RangeTiming> timings;  // source "imported", reps 0, ordered by range
};

// Reads and checks a profile against the split units of `model`. `element`
// names the element for a CSV file (required) and, for a JSON file, must agree
// with its "element" or stands in for it where absent. Throws an
// invalid_input Error naming the file, the line or entry, and what disagrees
// with the model; an io Error when the file cannot be read.
ExternalProfile read_external_profile(const std::string& path, const Graph& model,
                                      const std::optional<std::string>& element = std::nullopt);

}  // namespace splitinfer
