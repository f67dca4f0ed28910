// The XGBoost baseline: it learns a per-unit function of the features, its
// rows carry the unit's position and the model's length, and saved models
// load to the same predictions.
#include "predict/tree_baseline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "support/run_cli.h"

namespace splitinfer::predict {
namespace {

UnitGraph chain(int n, std::mt19937& rng) {
  std::uniform_real_distribution<float> size(0.0f, 1.0f);
  UnitGraph g;
  for (int i = 0; i < n; ++i) {
    std::vector<float> f(kNodeFeatureCount, 0.0f);
    f[0] = 1.0f;
    for (int j = kUnitTypeCount; j < kNodeFeatureCount; ++j) f[static_cast<size_t>(j)] = size(rng);
    g.features.push_back(f);
  }
  return g;
}

TEST(TreeBaseline, RowsAreFeaturesPositionAndLength) {
  std::mt19937 rng(1);
  const UnitGraph g = chain(5, rng);
  const std::vector<float> row = tree_features(g, 3);
  ASSERT_EQ(row.size(), static_cast<size_t>(kTreeFeatureCount));
  EXPECT_EQ(std::vector<float>(row.begin(), row.begin() + kNodeFeatureCount), g.features[3]);
  EXPECT_EQ(row[kNodeFeatureCount], 3.0f);
  EXPECT_EQ(row[kNodeFeatureCount + 1], 5.0f);
}

TEST(TreeBaseline, FitsAFunctionOfTheFeaturesAndReloads) {
  std::mt19937 rng(2);
  std::vector<UnitGraph> graphs;
  for (int m = 0; m < 60; ++m) graphs.push_back(chain(8, rng));
  // ms = exp(3 x channels out): the trees see channels out directly.
  const auto target = [](const UnitGraph& g) {
    std::vector<double> ms;
    for (const auto& f : g.features) ms.push_back(std::exp(3.0 * f[kUnitTypeCount + 3]));
    return ms;
  };
  std::vector<UnitExample> examples;
  for (const UnitGraph& g : graphs) examples.push_back({&g, target(g)});
  TreeCurveModel model;
  model.train(examples, TreeOptions{100, 4, 0.3, 1, 1});
  const std::vector<double> predicted = model.predict(graphs[0]), truth = target(graphs[0]);
  for (size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(predicted[i] / truth[i], 1.0, 0.1) << i;

  const std::string dir = testing::make_temp_dir();
  model.save(dir + "/t.json");
  EXPECT_EQ(TreeCurveModel::load(dir + "/t.json").predict(graphs[0]), predicted);
  std::ofstream(dir + "/bad.json") << "{\"learner\": 3";
  EXPECT_THROW(TreeCurveModel::load(dir + "/bad.json"), Error);
  EXPECT_THROW(TreeCurveModel::load(dir + "/missing.json"), Error);
  std::filesystem::remove_all(dir);
}

TEST(TreeBaseline, BadExamplesAreErrors) {
  TreeCurveModel model;
  EXPECT_THROW(model.train({}, {}), Error);
  std::mt19937 rng(3);
  const UnitGraph g = chain(2, rng);
  EXPECT_THROW(model.train({{&g, {1.0}}}, {}), Error);
  EXPECT_THROW(model.train({{&g, {1.0, -1.0}}}, {}), Error);
}

}  // namespace
}  // namespace splitinfer::predict
