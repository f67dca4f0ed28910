#include "predict/tree_baseline.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/error.h"

namespace splitinfer::predict {
namespace {

// XGBoost reports failures through a return code and XGBGetLastError.
void check(int status, ErrorKind kind, const std::string& what) {
  if (status != 0) fail(kind, what + ": " + XGBGetLastError());
}

// A DMatrix freed on scope exit.
class Matrix {
 public:
  Matrix(const std::vector<float>& rows, size_t row_count) {
    check(XGDMatrixCreateFromMat(rows.data(), row_count, kTreeFeatureCount, NAN, &handle_),
          ErrorKind::internal, "cannot build a tree input matrix");
  }
  ~Matrix() { XGDMatrixFree(handle_); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

void check_graph(const UnitGraph& g) {
  if (g.features.empty()) fail(ErrorKind::invalid_input, "a tree model input graph has no nodes");
  for (const auto& f : g.features)
    if (f.size() != static_cast<size_t>(kNodeFeatureCount))
      fail(ErrorKind::invalid_input, "a tree model input node has " + std::to_string(f.size()) +
                                         " features, not " + std::to_string(kNodeFeatureCount));
}

std::vector<float> rows_of(const UnitGraph& g) {
  std::vector<float> rows;
  for (int i = 0; i < static_cast<int>(g.features.size()); ++i) {
    const std::vector<float> row = tree_features(g, i);
    rows.insert(rows.end(), row.begin(), row.end());
  }
  return rows;
}

}  // namespace

struct TreeCurveModel::Booster {
  BoosterHandle handle = nullptr;
  Booster() {
    check(XGBoosterCreate(nullptr, 0, &handle), ErrorKind::internal, "cannot create a tree model");
  }
  ~Booster() { XGBoosterFree(handle); }
};

std::vector<float> tree_features(const UnitGraph& g, int unit) {
  std::vector<float> row = g.features.at(static_cast<size_t>(unit));
  row.push_back(static_cast<float>(unit));
  row.push_back(static_cast<float>(g.features.size()));
  return row;
}

TreeCurveModel::TreeCurveModel() : booster_(std::make_unique<Booster>()) {}
TreeCurveModel::~TreeCurveModel() = default;
TreeCurveModel::TreeCurveModel(TreeCurveModel&&) noexcept = default;
TreeCurveModel& TreeCurveModel::operator=(TreeCurveModel&&) noexcept = default;

void TreeCurveModel::train(const std::vector<UnitExample>& training, const TreeOptions& o) {
  if (training.empty()) fail(ErrorKind::invalid_input, "tree training needs at least one model");
  std::vector<float> rows, labels;
  for (const UnitExample& e : training) {
    if (!e.graph) fail(ErrorKind::invalid_input, "a tree training example has no graph");
    check_graph(*e.graph);
    if (e.target.size() != e.graph->features.size())
      fail(ErrorKind::invalid_input, "a tree training example has " +
                                         std::to_string(e.target.size()) + " targets for " +
                                         std::to_string(e.graph->features.size()) + " units");
    const std::vector<float> r = rows_of(*e.graph);
    rows.insert(rows.end(), r.begin(), r.end());
    for (double ms : e.target) {
      if (!(ms > 0) || !std::isfinite(ms))
        fail(ErrorKind::invalid_input,
             "a tree latency target is not a positive time: " + std::to_string(ms));
      labels.push_back(static_cast<float>(std::log(ms)));
    }
  }
  const Matrix data(rows, labels.size());
  check(XGDMatrixSetFloatInfo(data.get(), "label", labels.data(), labels.size()),
        ErrorKind::internal, "cannot set tree labels");
  booster_ = std::make_unique<Booster>();
  const DMatrixHandle handles[] = {data.get()};
  XGBoosterFree(booster_->handle);
  check(XGBoosterCreate(handles, 1, &booster_->handle), ErrorKind::internal,
        "cannot create a tree model");
  const std::pair<const char*, std::string> params[] = {
      {"objective", "reg:squarederror"},
      {"max_depth", std::to_string(o.max_depth)},
      {"eta", std::to_string(o.learning_rate)},
      {"subsample", "0.8"},
      {"seed", std::to_string(o.seed)},
      {"nthread", std::to_string(std::max(1, o.threads))},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : params)
    check(XGBoosterSetParam(booster_->handle, name, value.c_str()), ErrorKind::internal,
          std::string("cannot set tree parameter ") + name);
  for (int round = 0; round < o.rounds; ++round)
    check(XGBoosterUpdateOneIter(booster_->handle, round, data.get()), ErrorKind::internal,
          "tree boosting failed");
}

std::vector<double> TreeCurveModel::predict(const UnitGraph& g) const {
  check_graph(g);
  const Matrix data(rows_of(g), g.features.size());
  bst_ulong length = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(booster_->handle, data.get(), 0, 0, 0, &length, &out), ErrorKind::internal,
        "tree prediction failed");
  if (length != g.features.size())
    fail(ErrorKind::internal, "tree prediction has the wrong length");
  std::vector<double> ms(length);
  for (bst_ulong i = 0; i < length; ++i) ms[i] = std::exp(static_cast<double>(out[i]));
  return ms;
}

void TreeCurveModel::save(const std::string& path) const {
  // XGBoost picks the format from the name, so the partial file ends in .json too.
  const std::string temporary = path + ".partial.json";
  if (XGBoosterSaveModel(booster_->handle, temporary.c_str()) != 0 ||
      std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    fail(ErrorKind::io, "cannot write the tree model to " + path);
  }
}

TreeCurveModel TreeCurveModel::load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    fail(ErrorKind::io, "cannot read the tree model " + path);
  TreeCurveModel model;
  check(XGBoosterLoadModel(model.booster_->handle, path.c_str()), ErrorKind::invalid_input,
        path + " is not a readable tree model");
  bst_ulong features = 0;
  check(XGBoosterGetNumFeature(model.booster_->handle, &features), ErrorKind::invalid_input,
        path + " is not a readable tree model");
  if (features != static_cast<bst_ulong>(kTreeFeatureCount))
    fail(ErrorKind::invalid_input, path + " was trained on " + std::to_string(features) +
                                       " features, not " + std::to_string(kTreeFeatureCount));
  return model;
}

}  // namespace splitinfer::predict
