#include "predict/dataset_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/gzip.h"
#include "common/json_fields.h"
#include "common/read_file.h"
#include "exec/element.h"

namespace splitinfer::predict {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "splitinfer predict dataset";
constexpr int kVersion = 1;
// 1,700 models take a few MiB; the limits only stop a hostile file.
constexpr uintmax_t kMaxFileBytes = uintmax_t{256} << 20;
constexpr size_t kMaxJsonBytes = size_t{1} << 30;

// The float's shortest decimal form, so that the file holds "0.27272728"
// rather than the 17 digits of the float widened to double.
json short_float(float value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  *end = '\0';
  return std::strtod(text, nullptr);
}

json to_json(const ModelRecord& r) {
  json features = json::array();
  for (const auto& node : r.graph.features) {
    json row = json::array();
    for (float f : node) row.push_back(short_float(f));
    features.push_back(std::move(row));
  }
  return {{"seed", r.seed},
          {"name", r.name},
          {"model_hash", r.model_hash},
          {"units", r.units},
          {"reps", r.reps},
          {"features", features},
          {"edges", r.graph.edges},
          {"unit_ms", r.unit_ms},
          {"first_ms", r.first_ms},
          {"second_ms", r.second_ms},
          {"handoff_bytes", r.handoff_bytes},
          {"latency_ms", r.latency_ms},
          {"period_ms", r.period_ms},
          {"best_latency_split", r.best_latency_split},
          {"best_throughput_split", r.best_throughput_split}};
}

// A best split: an index into `curve` at one of its minima.
int best_split(const FieldReader& in, const char* key, const std::vector<double>& curve) {
  const int k = in.get<int>(key);
  if (k < 0 || k >= static_cast<int>(curve.size()))
    in.reject(std::string("\"") + key + "\" " + std::to_string(k) + " is outside 0.." +
              std::to_string(curve.size() - 1));
  if (*std::min_element(curve.begin(), curve.end()) < curve[static_cast<size_t>(k)])
    in.reject(std::string("\"") + key + "\" " + std::to_string(k) +
              " is not a minimum of its curve");
  return k;
}

ModelRecord model_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) fail(ErrorKind::invalid_input, where + ": is not an object");
  const FieldReader in(j, where);
  ModelRecord r;
  r.seed = in.get<uint64_t>("seed");
  r.name = in.get<std::string>("name");
  r.model_hash = in.get<std::string>("model_hash");
  r.units = in.get<int>("units");
  r.reps = in.get<int>("reps");
  const int n = r.units;
  if (n < 1) in.reject("\"units\" must be at least 1");
  for (const auto& node : in.get<std::vector<std::vector<float>>>("features")) {
    if (node.size() != static_cast<size_t>(kNodeFeatureCount))
      in.reject("a node has " + std::to_string(node.size()) + " features, not " +
                std::to_string(kNodeFeatureCount));
    r.graph.features.push_back(node);
  }
  if (r.graph.features.size() != static_cast<size_t>(n))
    in.reject("has features of " + std::to_string(r.graph.features.size()) + " nodes, not " +
              std::to_string(n));
  r.graph.edges = in.get<std::vector<Edge>>("edges");
  for (const Edge& e : r.graph.edges)
    if (e.first < 0 || e.first >= n || e.second < 0 || e.second >= n)
      in.reject("an edge joins nodes outside 0.." + std::to_string(n - 1));
  const auto unit_ms = in.get<std::vector<json>>("unit_ms");
  if (unit_ms.size() != r.unit_ms.size()) in.reject("\"unit_ms\" must hold one array per element");
  for (size_t e = 0; e < r.unit_ms.size(); ++e)
    r.unit_ms[e] = in.values<double>(unit_ms[e], "unit_ms[" + std::to_string(e) + "]", n);
  r.first_ms = in.column<double>("first_ms", n + 1);
  r.second_ms = in.column<double>("second_ms", n + 1);
  r.handoff_bytes = in.column<int64_t>("handoff_bytes", n + 1);
  r.latency_ms = in.column<double>("latency_ms", n + 1);
  r.period_ms = in.column<double>("period_ms", n + 1);
  r.best_latency_split = best_split(in, "best_latency_split", r.latency_ms);
  r.best_throughput_split = best_split(in, "best_throughput_split", r.period_ms);
  return r;
}

}  // namespace

void save_dataset(const std::string& path, const Dataset& d) {
  json models = json::array();
  for (const ModelRecord& r : d.models) models.push_back(to_json(r));
  const bool unlimited = std::isinf(d.link.bandwidth_gb_s);
  const json doc = {{"format", kFormat},
                    {"version", kVersion},
                    {"elements", d.elements},
                    {"machine", d.machine},
                    {"times", "measured"},  // medians in ms, never simulated or predicted
                    {"link",
                     {{"name", d.link.name},
                      {"latency_ms", d.link.latency_ms},
                      {"bandwidth_gb_s", unlimited ? json(nullptr) : json(d.link.bandwidth_gb_s)},
                      {"basis", d.link.basis},
                      {"mode", "direct"}}},
                    {"feature_names", node_feature_names()},
                    {"models", models}};
  write_file_atomically(path, gzip(doc.dump()));
}

Dataset load_dataset(const std::string& path) {
  const std::string text =
      gunzip(read_regular_file(path, kMaxFileBytes, "a dataset file"), path, kMaxJsonBytes);
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) fail(ErrorKind::invalid_input, path + ": the dataset is not valid JSON");
  if (!doc.is_object() || doc.value("format", json()) != kFormat)
    fail(ErrorKind::invalid_input, path + ": not a splitinfer predict dataset");
  const FieldReader in(doc, path);
  if (in.get<int>("version") != kVersion)
    in.reject("dataset version " + doc["version"].dump() + " is not the supported " +
              std::to_string(kVersion));
  const auto elements = in.get<std::vector<std::string>>("elements");
  if (elements.size() != 2) in.reject("\"elements\" must name two elements");
  for (const std::string& e : elements) {
    try {
      parse_element(e);
    } catch (const Error& error) {
      in.reject(std::string("\"elements\": ") + error.what());
    }
  }
  if (in.get<std::vector<std::string>>("feature_names") != node_feature_names())
    in.reject("its node features are not the ones this build computes; build the dataset again");
  Dataset d;
  d.elements = {elements[0], elements[1]};
  d.machine = in.get<std::string>("machine");
  const json link = in.get<json>("link");
  const FieldReader link_in(link, path + ": link");
  d.link.name = link_in.get<std::string>("name");
  d.link.latency_ms = link_in.get<double>("latency_ms");
  d.link.bandwidth_gb_s = link.contains("bandwidth_gb_s") && link["bandwidth_gb_s"].is_null()
                              ? std::numeric_limits<double>::infinity()
                              : link_in.get<double>("bandwidth_gb_s");
  d.link.basis = link_in.get<std::string>("basis");
  if (link_in.get<std::string>("mode") != "direct")
    link_in.reject("only direct links are supported");
  const auto models = in.get<std::vector<json>>("models");
  for (size_t i = 0; i < models.size(); ++i)
    d.models.push_back(model_from_json(models[i], path + ": model " + std::to_string(i)));
  return d;
}

}  // namespace splitinfer::predict
