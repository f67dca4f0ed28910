// The dataset on disk: one gzip-compressed JSON document (format below),
// small enough to keep in the repository so that training and tests never
// measure. Column arrays per model keep it compact:
//
//   {"format": "splitinfer predict dataset", "version": 1,
//    "elements": ["cpu0:int8", "cpu1:fp32"] (or the pair it was measured on),
//    "machine": ..., "times": "measured",
//    "link": {"name", "latency_ms", "bandwidth_gb_s" (null: unlimited), "basis", "mode"},
//    "feature_names": [...],
//    "models": [{"seed", "name", "model_hash", "units", "reps", "features": [[...]],
//                "edges": [[from, to]], "unit_ms": [[first element], [second]],
//                "first_ms", "second_ms", "handoff_bytes", "latency_ms", "period_ms",
//                "best_latency_split", "best_throughput_split"}]}
#pragma once

#include <string>

#include "predict/dataset.h"

namespace splitinfer::predict {

// Writes atomically: an interrupted write leaves the old file or none.
// Throws an io Error naming `path` when it cannot be written.
void save_dataset(const std::string& path, const Dataset& dataset);

// Throws an io Error for a missing or unreadable file and an invalid_input
// Error, one line naming `path` and the model at fault, for anything that is
// not a complete dataset of this format and feature set: truncated or
// corrupt gzip, malformed JSON, missing fields, arrays of the wrong length,
// negative or non-finite times, best splits outside 0..N.
Dataset load_dataset(const std::string& path);

}  // namespace splitinfer::predict
