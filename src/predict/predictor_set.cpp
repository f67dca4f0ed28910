#include "predict/predictor_set.h"

#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_fields.h"
#include "common/read_file.h"
#include "exec/element.h"

namespace splitinfer::predict {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "splitinfer split predictors";
constexpr int kVersion = 1;
constexpr uintmax_t kMaxManifestBytes = uintmax_t{16} << 20;

constexpr std::array<const char*, 2> kLatencyFiles = {"first_latency.pt", "second_latency.pt"};
constexpr std::array<const char*, 2> kTreeFiles = {"tree_first.json", "tree_second.json"};
constexpr const char* kManifestFile = "manifest.json";

std::string in_folder(const std::string& folder, const std::string& file) {
  return (std::filesystem::path(folder) / file).string();
}

std::string partition_file(size_t member) { return partition_member_name(member) + ".pt"; }

// A loaded model must have the architecture its file name promises.
void expect(bool as_named, const std::string& path) {
  if (!as_named)
    fail(ErrorKind::invalid_input, path + " holds a different kind of GNN than its name says");
}

}  // namespace

std::string partition_member_name(size_t member) {
  return member == 0 ? "partition" : "partition_" + std::to_string(member + 1);
}

std::vector<ChainElement> predictor_chain(const PredictorManifest& manifest) {
  std::vector<ChainElement> chain;
  for (const std::string& e : manifest.elements)
    chain.push_back({e, parse_element(e).precision, ""});
  return chain;
}

void check_same_elements(const PredictorManifest& manifest, const Dataset& dataset,
                         const std::string& dataset_path) {
  if (manifest.elements != dataset.elements)
    fail(ErrorKind::invalid_input, "the predictors plan for " + manifest.elements[0] + " -> " +
                                       manifest.elements[1] + ", but " + dataset_path +
                                       " was measured on " + dataset.elements[0] + " -> " +
                                       dataset.elements[1]);
}

void save_predictors(const std::string& folder, const PredictorSet& set) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) fail(ErrorKind::io, "cannot create " + folder + ": " + error.message());
  for (size_t e = 0; e < 2; ++e) {
    set.latency[e]->save(in_folder(folder, kLatencyFiles[e]));
    set.tree[e].save(in_folder(folder, kTreeFiles[e]));
  }
  for (size_t i = 0; i < set.partition.size(); ++i)
    set.partition[i]->save(in_folder(folder, partition_file(i)));
  const PredictorManifest& m = set.manifest;
  const json doc = {{"format", kFormat},
                    {"version", kVersion},
                    {"elements", m.elements},
                    {"objective", objective_name(m.objective)},
                    {"dataset", m.dataset},
                    {"machine", m.machine},
                    {"training_seeds", m.training_seeds},
                    {"validation_seeds", m.validation_seeds},
                    {"test_seeds", m.test_seeds},
                    {"partition_models", set.partition.size()},
                    {"training", m.training}};
  write_file_atomically(in_folder(folder, kManifestFile), doc.dump(1) + "\n");
}

PredictorSet load_predictors(const std::string& folder) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error))
    fail(ErrorKind::io,
         "no trained predictors in " + folder + " (not a folder; run `splitinfer predict train`)");
  const std::string path = in_folder(folder, kManifestFile);
  const json doc = json::parse(read_regular_file(path, kMaxManifestBytes, "a predictor manifest"),
                               nullptr, false);
  if (doc.is_discarded()) fail(ErrorKind::invalid_input, path + ": not valid JSON");
  if (!doc.is_object() || doc.value("format", json()) != kFormat)
    fail(ErrorKind::invalid_input, path + ": not a splitinfer predictor manifest");
  const FieldReader in(doc, path);
  if (in.get<int>("version") != kVersion)
    in.reject("version " + doc["version"].dump() + " is not supported");

  PredictorSet set;
  PredictorManifest& m = set.manifest;
  const auto elements = in.get<std::vector<std::string>>("elements");
  if (elements.size() != 2) in.reject("\"elements\" must name two elements");
  m.elements = {elements[0], elements[1]};
  m.objective = parse_objective(in.get<std::string>("objective"));
  m.dataset = in.get<std::string>("dataset");
  m.machine = in.get<std::string>("machine");
  m.training_seeds = in.get<std::vector<uint64_t>>("training_seeds");
  m.validation_seeds = in.get<std::vector<uint64_t>>("validation_seeds");
  m.test_seeds = in.get<std::vector<uint64_t>>("test_seeds");
  m.training = in.get<json>("training");

  constexpr std::array<GnnDirection, 2> kDirections = {GnnDirection::forward,
                                                       GnnDirection::reverse};
  for (size_t e = 0; e < 2; ++e) {
    const std::string weights = in_folder(folder, kLatencyFiles[e]);
    set.latency[e] = load_gnn_model(weights);
    const GnnArchitecture& a = set.latency[e]->architecture();
    expect(a.direction == kDirections[e] && a.head == GnnHead::latency_ms, weights);
    set.tree[e] = TreeCurveModel::load(in_folder(folder, kTreeFiles[e]));
  }
  // Sets saved before ensembles have one partition model and no count.
  const int members = doc.contains("partition_models") ? in.get<int>("partition_models") : 1;
  if (members < 1 || members > kMaxPartitionModels)
    in.reject("\"partition_models\" must be 1 to " + std::to_string(kMaxPartitionModels));
  for (size_t i = 0; i < static_cast<size_t>(members); ++i) {
    const std::string weights = in_folder(folder, partition_file(i));
    set.partition.push_back(load_gnn_model(weights));
    const GnnArchitecture& a = set.partition.back()->architecture();
    expect(a.direction == GnnDirection::both && a.head != GnnHead::latency_ms, weights);
  }
  return set;
}

}  // namespace splitinfer::predict
