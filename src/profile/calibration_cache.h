// INT8 calibrations cached per model content and calibration source, as
// JSON files beside the profile store, so that repeated runs of a model
// quantize it identically without re-running the float model.
#pragma once

#include <string>

#include "exec/calibration_source.h"

namespace splitinfer {

// The cached calibration for (model weights, spec) when there is one; else
// calibrates and stores it. A corrupt cache file is recalibrated and
// replaced; an unwritable cache directory only costs the caching.
Calibration cached_calibration(const Graph& graph, const CalibrationSpec& spec,
                               const std::string& cache_dir);

// The directory of the default profile store.
std::string default_cache_dir();

// How the commands and the API choose an INT8 calibration (--calib,
// --calib-method).
struct CalibrationOptions {
  std::string inputs = kDefaultCalibration;
  std::string method = "histogram";
};

// Cached under the profile store's directory; calibrates without a cache when
// no cache directory can be determined.
Calibration calibration_for(const Graph& graph, const CalibrationOptions& o);

}  // namespace splitinfer
