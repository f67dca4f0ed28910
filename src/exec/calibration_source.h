// Where an INT8 calibration comes from: the --calib argument of the CLI,
// either a count of synthetic inputs or a comma-separated list of input files
// (raw float32, or PNG/JPEG images preprocessed as exec/image_input.h says)
// and directories (the images in them, sorted by name).
#pragma once

#include <string>
#include <vector>

#include "exec/calibration.h"

namespace splitinfer {

inline constexpr const char* kDefaultCalibration = "16";  // synthetic inputs

struct CalibrationSpec {
  std::string inputs = kDefaultCalibration;  // "N" or "a.bin,b.bin,..."
  CalibrationMethod method = CalibrationMethod::histogram;
};

// Throws invalid_input for a malformed spec or an input file of the wrong size.
Calibration obtain_calibration(const Graph& graph, const CalibrationSpec& spec);

// The files a spec's inputs name, directories expanded; empty for a count.
std::vector<std::string> calibration_input_files(const std::string& inputs);

}  // namespace splitinfer
