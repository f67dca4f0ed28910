#include "exec/calibration_source.h"

#include <charconv>
#include <filesystem>
#include <sstream>

#include "common/error.h"
#include "exec/image_input.h"

namespace splitinfer {

namespace {

constexpr int kMaxSyntheticInputs = 4096;

bool parse_count(const std::string& s, int& count) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), count);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::vector<std::string> calibration_input_files(const std::string& inputs) {
  int count = 0;
  if (parse_count(inputs, count)) return {};
  std::vector<std::string> files;
  std::stringstream list(inputs);
  std::string path;
  while (std::getline(list, path, ',')) {
    if (path.empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    const std::vector<std::string> images = image_files_in(path);
    if (images.empty())
      fail(ErrorKind::invalid_input,
           "--calib " + path + ": the directory holds no .png, .jpg or .jpeg images");
    files.insert(files.end(), images.begin(), images.end());
  }
  return files;
}

Calibration obtain_calibration(const Graph& graph, const CalibrationSpec& spec) {
  const std::string& s = spec.inputs;
  int count = 0;
  std::vector<std::vector<float>> inputs;
  if (parse_count(s, count)) {
    if (count < 1 || count > kMaxSyntheticInputs)
      fail(ErrorKind::invalid_input, "--calib " + s +
                                         ": the number of synthetic inputs must be 1.." +
                                         std::to_string(kMaxSyntheticInputs));
    inputs = synthetic_calibration_inputs(graph, count, 0);
  } else {
    const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
    for (const std::string& path : calibration_input_files(s))
      inputs.push_back(read_input_file(path, shape));
    if (inputs.empty()) fail(ErrorKind::invalid_input, "--calib names no input files");
  }
  return calibrate(graph, inputs, spec.method);
}

}  // namespace splitinfer
