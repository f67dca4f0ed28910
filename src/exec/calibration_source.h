// Where an INT8 calibration comes from: the --calib argument of the CLI,
// either a count of synthetic inputs or a comma-separated list of input files.
#pragma once

#include <string>

#include "exec/calibration.h"

namespace splitinfer {

inline constexpr const char* kDefaultCalibration = "16";  // synthetic inputs

struct CalibrationSpec {
  std::string inputs = kDefaultCalibration;  // "N" or "a.bin,b.bin,..."
  CalibrationMethod method = CalibrationMethod::percentile;
};

// Throws invalid_input for a malformed spec or an input file of the wrong size.
Calibration obtain_calibration(const Graph& graph, const CalibrationSpec& spec);

CalibrationMethod parse_calibration_method(const std::string& name);

}  // namespace splitinfer
