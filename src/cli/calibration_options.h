// The INT8 calibration options shared by the commands that run models.
#pragma once

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "profile/calibration_cache.h"

namespace splitinfer::cli {

inline void add_calibration_options(CLI::App* cmd, CalibrationOptions& o) {
  cmd->add_option("--calib", o.inputs,
                  "INT8 calibration: N synthetic inputs (standard normal) or comma-separated "
                  "input files (raw float32, PNG/JPEG images, directories of images); "
                  "cached per model")
      ->default_val(kDefaultCalibration);
  cmd->add_option("--calib-method", o.method,
                  "Clip point of each tensor: minmax, percentile (99.99th of |x|), mse (least "
                  "squared coding error), entropy (least KL divergence) or histogram (PyTorch's "
                  "HistogramObserver search)")
      ->default_val("histogram");
}

}  // namespace splitinfer::cli
