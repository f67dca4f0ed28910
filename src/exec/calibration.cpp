#include "exec/calibration.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "common/error.h"
#include "exec/cpu/cpu_backend.h"

namespace splitinfer {

namespace {

// Values kept per tensor and input for choosing the clip: a strided sample
// places it well and bounds memory on big models.
constexpr size_t kSamplesPerInput = 4096;

struct Observation {
  float min = INFINITY, max = -INFINITY;
  std::vector<float> sample;
  std::vector<double> channel_sums;
  int64_t per_channel_count = 0;  // values summed into each channel so far
};

const char* method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::minmax: return "minmax";
    case CalibrationMethod::percentile: return "percentile";
    case CalibrationMethod::mse: return "mse";
    case CalibrationMethod::entropy: return "entropy";
    case CalibrationMethod::histogram: return "histogram";
  }
  return "?";
}

void observe(Observation& o, const Shape& shape, std::span<const float> v) {
  const size_t stride = std::max<size_t>(1, v.size() / kSamplesPerInput);
  for (size_t i = 0; i < v.size(); ++i) {
    o.min = std::min(o.min, v[i]);
    o.max = std::max(o.max, v[i]);
    if (i % stride == 0) o.sample.push_back(v[i]);
  }
  if (shape.size() < 2 || v.empty()) return;
  const auto channels = static_cast<size_t>(shape[1]);
  const size_t inner = v.size() / (static_cast<size_t>(shape[0]) * channels);
  o.channel_sums.resize(channels, 0.0);
  for (size_t i = 0; i < v.size(); ++i) o.channel_sums[(i / inner) % channels] += v[i];
  o.per_channel_count += static_cast<int64_t>(v.size() / channels);
}

}  // namespace

CalibrationMethod parse_calibration_method(const std::string& name) {
  for (CalibrationMethod m :
       {CalibrationMethod::minmax, CalibrationMethod::percentile, CalibrationMethod::mse,
        CalibrationMethod::entropy, CalibrationMethod::histogram})
    if (name == method_name(m)) return m;
  fail(ErrorKind::invalid_input,
       "calibration method '" + name + "' is not minmax, percentile, mse, entropy or histogram");
}

std::string calibration_method_name(CalibrationMethod method) { return method_name(method); }

QuantParams Calibration::params(const std::string& tensor) const {
  const auto it = ranges.find(tensor);
  if (it == ranges.end())
    fail(ErrorKind::internal, "tensor '" + tensor + "' has no calibrated range");
  const Clipping& c = it->second.clipping;
  if (c.affine()) {
    const float scale = (c.clip - c.low) / 255.0f;
    return {true, scale, static_cast<int32_t>(zero_point_of(c.low, scale))};
  }
  return {c.is_unsigned, c.clip > 0.0f ? c.clip / (c.is_unsigned ? 255.0f : 127.0f) : 1.0f};
}

QuantParams symmetric(const QuantParams& q) {
  if (q.zero_point == 0) return q;
  const float largest = q.scale * static_cast<float>(std::max(q.zero_point, 255 - q.zero_point));
  return {false, largest / 127.0f, 0};
}

const std::vector<float>* Calibration::channel_means(const std::string& tensor) const {
  const auto it = ranges.find(tensor);
  return it == ranges.end() || it->second.channel_means.empty() ? nullptr
                                                                : &it->second.channel_means;
}

std::string Calibration::to_json() const {
  nlohmann::json j;
  j["method"] = method_name(method);
  j["samples"] = samples;
  j["ranges"] = nlohmann::json::object();
  for (const auto& [name, r] : ranges)
    j["ranges"][name] = {{"min", r.min},
                         {"max", r.max},
                         {"unsigned", r.clipping.is_unsigned},
                         {"clip", r.clipping.clip},
                         {"low", r.clipping.low},
                         {"channel_means", r.channel_means}};
  return j.dump();
}

Calibration Calibration::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    Calibration c;
    c.method = parse_calibration_method(j.at("method").get<std::string>());
    c.samples = j.at("samples").get<int>();
    for (const auto& [name, r] : j.at("ranges").items())
      c.ranges[name] = {
          r.at("min").get<float>(),
          r.at("max").get<float>(),
          {r.at("unsigned").get<bool>(), r.at("clip").get<float>(), r.at("low").get<float>()},
          r.at("channel_means").get<std::vector<float>>()};
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::invalid_input, std::string("malformed calibration: ") + e.what());
  }
}

Calibration calibrate(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                      CalibrationMethod method) {
  if (inputs.empty()) fail(ErrorKind::invalid_input, "calibration needs at least one input");
  std::unordered_map<int, Observation> seen;
  auto partition = cpu::compile_observed_fp32(graph, [&](int tensor, std::span<const float> v) {
    observe(seen[tensor], graph.tensor(tensor).shape, v);
  });
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  for (const auto& input : inputs) partition->run(Handoff::from_floats(shape, input));

  Calibration c;
  c.method = method;
  c.samples = static_cast<int>(inputs.size());
  for (auto& [tensor, o] : seen) {
    TensorRange r{o.min, o.max, choose_clipping(o.sample, {o.min, o.max}, method), {}};
    for (double sum : o.channel_sums)
      r.channel_means.push_back(static_cast<float>(sum / static_cast<double>(o.per_channel_count)));
    c.ranges[graph.tensor(tensor).name] = std::move(r);
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
