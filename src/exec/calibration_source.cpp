#include "exec/calibration_source.h"

#include <charconv>
#include <sstream>

#include "common/error.h"
#include "exec/tensor_file.h"

namespace splitinfer {

namespace {

constexpr int kMaxSyntheticInputs = 4096;

}  // namespace

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::minmax;
  if (name == "percentile") return CalibrationMethod::percentile;
  fail(ErrorKind::invalid_input, "calibration method '" + name + "' is not minmax or percentile");
}

Calibration obtain_calibration(const Graph& graph, const CalibrationSpec& spec) {
  const std::string& s = spec.inputs;
  int count = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), count);
  std::vector<std::vector<float>> inputs;
  if (ec == std::errc() && end == s.data() + s.size()) {
    if (count < 1 || count > kMaxSyntheticInputs)
      fail(ErrorKind::invalid_input, "--calib " + s + ": the number of synthetic inputs must be 1.." +
                                         std::to_string(kMaxSyntheticInputs));
    inputs = synthetic_calibration_inputs(graph, count, 0);
  } else {
    const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
    std::stringstream list(s);
    std::string path;
    while (std::getline(list, path, ','))
      if (!path.empty()) inputs.push_back(read_tensor_file(path, shape));
    if (inputs.empty()) fail(ErrorKind::invalid_input, "--calib names no input files");
  }
  return calibrate(graph, inputs, spec.method);
}

}  // namespace splitinfer
