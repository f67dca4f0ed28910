#include "exec/calibration.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "exec/cpu/cpu_backend.h"

namespace splitinfer {

namespace {

// Magnitudes kept per tensor and input for the percentile: a strided sample
// is enough to place the 99.99th percentile and bounds memory on big models.
constexpr size_t kSamplesPerInput = 4096;

struct Observation {
  float min = INFINITY, max = -INFINITY;
  std::vector<float> magnitudes;
};

}  // namespace

QuantParams Calibration::params(const std::string& tensor) const {
  const auto it = ranges.find(tensor);
  if (it == ranges.end())
    fail(ErrorKind::internal, "tensor '" + tensor + "' has no calibrated range");
  const TensorRange& r = it->second;
  QuantParams q;
  q.is_unsigned = r.min >= 0.0f;
  const float largest = std::max(std::abs(r.min), std::abs(r.max));
  const float clip = method == CalibrationMethod::minmax || r.abs_percentile <= 0.0f
                         ? largest
                         : std::min(r.abs_percentile, largest);
  q.scale = clip > 0.0f ? clip / (q.is_unsigned ? 255.0f : 127.0f) : 1.0f;
  return q;
}

std::string Calibration::to_json() const {
  nlohmann::json j;
  j["method"] = method == CalibrationMethod::minmax ? "minmax" : "percentile";
  j["samples"] = samples;
  for (const auto& [name, r] : ranges)
    j["ranges"][name] = {{"min", r.min}, {"max", r.max}, {"abs_percentile", r.abs_percentile}};
  return j.dump();
}

Calibration Calibration::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    Calibration c;
    const std::string method = j.at("method").get<std::string>();
    if (method != "minmax" && method != "percentile")
      fail(ErrorKind::invalid_input, "calibration method '" + method + "' is unknown");
    c.method = method == "minmax" ? CalibrationMethod::minmax : CalibrationMethod::percentile;
    c.samples = j.at("samples").get<int>();
    for (const auto& [name, r] : j.at("ranges").items())
      c.ranges[name] = {r.at("min").get<float>(), r.at("max").get<float>(),
                        r.at("abs_percentile").get<float>()};
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::invalid_input, std::string("malformed calibration: ") + e.what());
  }
}

Calibration calibrate(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                      CalibrationMethod method) {
  if (inputs.empty()) fail(ErrorKind::invalid_input, "calibration needs at least one input");
  std::unordered_map<int, Observation> seen;
  auto partition = cpu::compile_observed_fp32(graph, [&seen](int tensor, std::span<const float> v) {
    Observation& o = seen[tensor];
    const size_t stride = std::max<size_t>(1, v.size() / kSamplesPerInput);
    for (size_t i = 0; i < v.size(); ++i) {
      o.min = std::min(o.min, v[i]);
      o.max = std::max(o.max, v[i]);
      if (i % stride == 0) o.magnitudes.push_back(std::abs(v[i]));
    }
  });
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  for (const auto& input : inputs) partition->run(Handoff::from_floats(shape, input));

  Calibration c;
  c.method = method;
  c.samples = static_cast<int>(inputs.size());
  for (auto& [tensor, o] : seen) {
    auto& m = o.magnitudes;
    const size_t at = std::min(m.size() - 1, static_cast<size_t>(std::ceil(
                                                 kCalibrationPercentile / 100.0 * m.size())) - 1);
    std::nth_element(m.begin(), m.begin() + static_cast<ptrdiff_t>(at), m.end());
    c.ranges[graph.tensor(tensor).name] = {o.min, o.max, m[at]};
  }
  return c;
}

std::vector<std::vector<float>> synthetic_calibration_inputs(const Graph& graph, int count,
                                                             uint64_t seed) {
  const int64_t size = numel(graph.tensor(graph.inputs.at(0)).shape);
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < count; ++i) {
    std::mt19937_64 rng(seed + static_cast<uint64_t>(i));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(size));
    for (float& v : x) v = normal(rng);
    inputs.push_back(std::move(x));
  }
  return inputs;
}

}  // namespace splitinfer
