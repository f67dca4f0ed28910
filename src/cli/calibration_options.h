// The INT8 calibration options shared by the commands that run models.
#pragma once

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "profile/calibration_cache.h"

namespace splitinfer::cli {

struct CalibrationOptions {
  std::string inputs = kDefaultCalibration;
  std::string method = "minmax";
};

inline void add_calibration_options(CLI::App* cmd, CalibrationOptions& o) {
  cmd->add_option("--calib", o.inputs,
                  "INT8 calibration: N synthetic inputs (standard normal) or comma-separated "
                  "input files (raw float32, PNG/JPEG images, directories of images); "
                  "cached per model")
      ->default_val(kDefaultCalibration);
  cmd->add_option("--calib-method", o.method,
                  "Clip point of each tensor: minmax, percentile (99.99th of |x|), mse (least "
                  "squared coding error) or entropy (least KL divergence)")
      ->default_val("minmax");
}

// Cached under the profile store's directory; calibrates without a cache when
// no cache directory can be determined.
inline Calibration calibration_for(const Graph& graph, const CalibrationOptions& o) {
  const CalibrationSpec spec{o.inputs, parse_calibration_method(o.method)};
  std::string dir;
  try {
    dir = default_cache_dir();
  } catch (const Error&) {
    return obtain_calibration(graph, spec);
  }
  return cached_calibration(graph, spec, dir);
}

}  // namespace splitinfer::cli
