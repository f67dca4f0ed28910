// The GNN of predict/gnn_model.h on small synthetic graphs: training lowers
// the loss, the edge and LSTM directions keep each unit blind to the units
// its cumulative latency does not include, the curves rise the right way,
// weights survive a save and load, and bad input is an Error.
#include "predict/gnn_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "predict/unit_curves.h"
#include "support/run_cli.h"

namespace splitinfer::predict {
namespace {

// A chain of n units with random features: a one-hot type and sizes in [0, 1).
UnitGraph random_chain(int n, std::mt19937& rng) {
  std::uniform_real_distribution<float> size(0.0f, 1.0f);
  UnitGraph g;
  for (int i = 0; i < n; ++i) {
    std::vector<float> f(kNodeFeatureCount, 0.0f);
    f[static_cast<size_t>(rng() % kUnitTypeCount)] = 1.0f;
    for (int j = kUnitTypeCount; j < kNodeFeatureCount; ++j) f[static_cast<size_t>(j)] = size(rng);
    g.features.push_back(f);
    if (i > 0) g.edges.emplace_back(i - 1, i);
  }
  return g;
}

// Cumulative latency whose unit costs follow one feature: 0.1 + 2 x channels in.
std::vector<double> prefix_cost(const UnitGraph& g) {
  std::vector<double> curve;
  double sum = 0.0;
  for (const auto& f : g.features) curve.push_back(sum += 0.1 + 2.0 * f[kUnitTypeCount + 2]);
  return curve;
}

struct Synthetic {
  std::vector<UnitGraph> graphs;
  std::vector<UnitExample> examples;
};

Synthetic synthetic(int models) {
  std::mt19937 rng(7);
  Synthetic s;
  for (int m = 0; m < models; ++m)
    s.graphs.push_back(random_chain(4 + static_cast<int>(rng() % 12), rng));
  for (const UnitGraph& g : s.graphs) s.examples.push_back({&g, prefix_cost(g)});
  return s;
}

TEST(GnnModel, ShortTrainingReducesTheLoss) {
  const Synthetic s = synthetic(48);
  auto model = make_gnn_model({GnnDirection::forward, GnnHead::latency_ms, 16, 2}, 1);
  TrainingOptions o;
  o.epochs = 40;
  o.batch = 8;
  int calls = 0;
  const TrainingReport r =
      model->train(s.examples, s.examples, o, [&](int, const EpochLoss&) { ++calls; });
  ASSERT_EQ(r.epochs.size(), 40u);
  EXPECT_EQ(calls, 40);
  EXPECT_LT(r.epochs.back().training, 0.25 * r.epochs.front().training);
  EXPECT_GE(r.best_epoch, 1);
  EXPECT_GT(r.parameters, 0);
  // The kept weights are the best epoch's.
  EXPECT_NEAR(model->loss(s.examples), r.epochs[static_cast<size_t>(r.best_epoch - 1)].validation,
              1e-4);
}

TEST(GnnModel, PartitionTrainingReducesTheLoss) {
  Synthetic s = synthetic(48);
  for (UnitExample& e : s.examples)  // the first element runs the first half
    for (size_t i = 0; i < e.target.size(); ++i) e.target[i] = i < e.target.size() / 2 ? 1.0 : 0.0;
  auto model = make_gnn_model({GnnDirection::both, GnnHead::first_element_odds, 16, 2}, 1);
  TrainingOptions o;
  o.epochs = 40;
  o.batch = 8;
  const TrainingReport r = model->train(s.examples, s.examples, o, nullptr);
  EXPECT_LT(r.epochs.back().training, 0.5 * r.epochs.front().training);
  for (double p : model->predict(s.graphs[0])) {
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
}

// PartitionLoss::per_cut: the loss is the cross-entropy of the labelled cut
// under a softmax over every cut's log-probability, computed here from the
// predictions, and the split read from them is the labelled cut.
TEST(GnnModel, PerCutLossIsTheLabelledCutsCrossEntropy) {
  Synthetic s = synthetic(48);
  for (UnitExample& e : s.examples)  // the first element runs the first third
    for (size_t i = 0; i < e.target.size(); ++i) e.target[i] = 3 * i < e.target.size() ? 1.0 : 0.0;
  auto model = make_gnn_model({GnnDirection::both, GnnHead::first_element_odds, 16, 2}, 1);
  TrainingOptions o;
  o.epochs = 40;
  o.batch = 8;
  o.partition_loss = PartitionLoss::per_cut;
  const TrainingReport r = model->train(s.examples, s.examples, o, nullptr);
  EXPECT_LT(r.epochs.back().training, 0.5 * r.epochs.front().training);
  double expected = 0.0;
  int right = 0;
  for (const UnitExample& e : s.examples) {
    const std::vector<double> p = model->predict(*e.graph);
    const size_t n = p.size();
    std::vector<double> score(n + 1, 0.0);
    for (size_t k = 0; k <= n; ++k)
      for (size_t i = 0; i < n; ++i) score[k] += std::log(i < k ? p[i] : 1.0 - p[i]);
    const auto labelled = static_cast<size_t>(std::count(e.target.begin(), e.target.end(), 1.0));
    const double top = *std::max_element(score.begin(), score.end());
    double sum = 0.0;
    for (double v : score) sum += std::exp(v - top);
    expected += top + std::log(sum) - score[labelled];
    right += split_from_probabilities(p) == static_cast<int>(labelled);
  }
  expected /= static_cast<double>(s.examples.size());
  EXPECT_NEAR(model->loss(s.examples), expected, 1e-3 * expected + 1e-5);
  EXPECT_GE(right, 44) << "of 48";
}

// Weight decay and dropout change what training finds, deterministically;
// neither is left on in prediction (the same weights predict the same).
TEST(GnnModel, RegularisationChangesTrainingDeterministically) {
  const Synthetic s = synthetic(32);
  auto trained = [&](double weight_decay, double dropout) {
    auto model = make_gnn_model({GnnDirection::forward, GnnHead::latency_ms, 16, 2}, 1);
    TrainingOptions o;
    o.epochs = 10;
    o.batch = 8;
    o.weight_decay = weight_decay;
    o.dropout = dropout;
    model->train(s.examples, s.examples, o, nullptr);
    return model->predict(s.graphs[0]);
  };
  const std::vector<double> plain = trained(0, 0);
  EXPECT_NE(trained(0.1, 0), plain);
  const std::vector<double> dropped = trained(0, 0.3);
  EXPECT_NE(dropped, plain);
  EXPECT_EQ(trained(0, 0.3), dropped);

  auto model = make_gnn_model({}, 1);
  TrainingOptions bad;
  bad.dropout = 1.0;
  EXPECT_THROW(model->train(s.examples, {}, bad, nullptr), Error);
  bad.dropout = 0.0;
  bad.weight_decay = -0.1;
  EXPECT_THROW(model->train(s.examples, {}, bad, nullptr), Error);
}

// Forward: unit i's prefix latency may depend on units 0..i only; reverse:
// on units i..N-1 only. Changing one unit's features shows which move.
TEST(GnnModel, DirectionsKeepUnitsBlindToTheOtherSide) {
  std::mt19937 rng(3);
  const UnitGraph g = random_chain(12, rng);
  UnitGraph changed = g;
  for (int j = kUnitTypeCount; j < kNodeFeatureCount; ++j)
    changed.features[6][static_cast<size_t>(j)] += 0.5f;
  for (GnnDirection d : {GnnDirection::forward, GnnDirection::reverse}) {
    auto model = make_gnn_model({d, GnnHead::latency_ms, 16, 6}, 5);
    const auto before = model->predict(g), after = model->predict(changed);
    for (int i = 0; i < 12; ++i) {
      const bool sees_unit_6 = d == GnnDirection::forward ? i >= 6 : i <= 6;
      if (sees_unit_6)
        EXPECT_NE(before[static_cast<size_t>(i)], after[static_cast<size_t>(i)]) << i;
      else EXPECT_EQ(before[static_cast<size_t>(i)], after[static_cast<size_t>(i)]) << i;
    }
  }
}

TEST(GnnModel, CumulativeCurvesRiseTowardsTheirEnd) {
  std::mt19937 rng(4);
  const UnitGraph g = random_chain(20, rng);
  const auto forward =
      make_gnn_model({GnnDirection::forward, GnnHead::latency_ms, 16, 2}, 2)->predict(g);
  const auto reverse =
      make_gnn_model({GnnDirection::reverse, GnnHead::latency_ms, 16, 2}, 2)->predict(g);
  for (size_t i = 1; i < g.features.size(); ++i) {
    EXPECT_GT(forward[i], forward[i - 1]) << i;  // units 0..i
    EXPECT_LT(reverse[i], reverse[i - 1]) << i;  // units i..N-1
  }
}

TEST(GnnModel, SavedWeightsLoadToTheSamePredictions) {
  const Synthetic s = synthetic(16);
  auto model = make_gnn_model({GnnDirection::reverse, GnnHead::latency_ms, 8, 3}, 1);
  TrainingOptions o;
  o.epochs = 3;
  model->train(s.examples, {}, o, nullptr);
  const std::string dir = testing::make_temp_dir();
  model->save(dir + "/m.pt");
  const auto loaded = load_gnn_model(dir + "/m.pt");
  EXPECT_EQ(loaded->architecture().direction, GnnDirection::reverse);
  EXPECT_EQ(loaded->architecture().hidden, 8);
  EXPECT_EQ(loaded->architecture().gcn_layers, 3);
  EXPECT_EQ(loaded->predict(s.graphs[1]), model->predict(s.graphs[1]));
  std::filesystem::remove_all(dir);
}

TEST(GnnModel, BadWeightFilesAreErrors) {
  const std::string dir = testing::make_temp_dir();
  try {
    load_gnn_model(dir + "/missing.pt");
    ADD_FAILURE() << "loaded a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io);
  }
  auto model = make_gnn_model({}, 1);
  model->save(dir + "/m.pt");
  std::filesystem::resize_file(dir + "/m.pt", std::filesystem::file_size(dir + "/m.pt") / 2);
  std::ofstream(dir + "/junk.pt") << "not a zip archive";
  for (const char* file : {"/m.pt", "/junk.pt"}) {
    try {
      load_gnn_model(dir + file);
      ADD_FAILURE() << "loaded " << file;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << file;
      EXPECT_NE(std::string(e.what()).find(file + 1), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

// Soft labels (first_element_soft_labels) train the per-unit loss; the
// per-cut loss needs one labelled cut, so 0 or 1 only; nothing outside [0, 1].
TEST(GnnModel, PartitionTargetsAreProbabilities) {
  auto model = make_gnn_model({GnnDirection::both, GnnHead::first_element_odds, 8, 1}, 1);
  std::mt19937 rng(1);
  const UnitGraph g = random_chain(3, rng);
  TrainingOptions o;
  o.epochs = 1;
  EXPECT_NO_THROW(model->train({{&g, {0.9, 0.5, 0.1}}}, {}, o, nullptr));
  EXPECT_THROW(model->train({{&g, {1.5, 0.5, 0.0}}}, {}, o, nullptr), Error);
  o.partition_loss = PartitionLoss::per_cut;
  EXPECT_THROW(model->train({{&g, {0.9, 0.5, 0.1}}}, {}, o, nullptr), Error);
  EXPECT_NO_THROW(model->train({{&g, {1.0, 0.0, 0.0}}}, {}, o, nullptr));
}

// GnnHead::first_element_odds_and_times: the labels are followed by each
// unit's prefix and suffix times; the times enter the training loss (a
// weight of 0 trains to other weights than 1) but not the validation loss
// that keeps an epoch, which is the labels' alone; the model predicts
// probabilities, and its weights load back to the same predictions.
TEST(GnnModel, PartitionWithTimesLearnsTheTimesBesideTheLabels) {
  Synthetic s = synthetic(32);
  for (UnitExample& e : s.examples) {
    const std::vector<double> prefix = prefix_cost(*e.graph);
    const size_t n = prefix.size();
    std::vector<double> target(n);
    for (size_t i = 0; i < n; ++i) target[i] = 2 * prefix[i] < prefix.back() ? 1.0 : 0.0;
    target.insert(target.end(), prefix.begin(), prefix.end());
    for (size_t i = 0; i < n; ++i) target.push_back(prefix.back() - (i ? prefix[i - 1] : 0.0));
    e.target = target;
  }
  const GnnArchitecture with_times{GnnDirection::both, GnnHead::first_element_odds_and_times, 16,
                                   2};
  TrainingOptions o;
  o.epochs = 20;
  o.batch = 8;
  auto model = make_gnn_model(with_times, 1);
  const TrainingReport r = model->train(s.examples, s.examples, o, nullptr);
  EXPECT_LT(r.epochs.back().training, 0.5 * r.epochs.front().training);
  // The kept epoch's validation loss is the labels' cross-entropy, recomputed here.
  double cross_entropy = 0.0;
  size_t units = 0;
  for (const UnitExample& e : s.examples) {
    // The N probabilities, then the N prefix and N suffix times (ms).
    const std::vector<double> p = model->predict(*e.graph);
    const size_t n = e.graph->features.size();
    ASSERT_EQ(p.size(), 3 * n);
    for (size_t i = 0; i < n; ++i, ++units) {
      EXPECT_GE(p[i], 0.0);
      EXPECT_LE(p[i], 1.0);
      cross_entropy -= std::log(e.target[i] == 1.0 ? p[i] : 1.0 - p[i]);
    }
    for (size_t i = n; i < 3 * n; ++i) EXPECT_GT(p[i], 0.0);
    for (size_t i = 1; i < n; ++i) {  // accumulated along the chain, so monotone
      EXPECT_GE(p[n + i], p[n + i - 1]);
      EXPECT_LE(p[2 * n + i], p[2 * n + i - 1]);
    }
  }
  cross_entropy /= static_cast<double>(units);
  const double kept = r.epochs[static_cast<size_t>(r.best_epoch - 1)].validation;
  EXPECT_NEAR(kept, cross_entropy, 1e-3 * cross_entropy);
  EXPECT_NEAR(model->loss(s.examples), kept, 1e-4);

  o.time_loss_weight = 0.0;
  auto labels_only = make_gnn_model(with_times, 1);
  labels_only->train(s.examples, s.examples, o, nullptr);
  EXPECT_NE(labels_only->predict(s.graphs[0]), model->predict(s.graphs[0]));

  const std::string dir = testing::make_temp_dir();
  model->save(dir + "/m.pt");
  const auto loaded = load_gnn_model(dir + "/m.pt");
  EXPECT_EQ(loaded->architecture().head, GnnHead::first_element_odds_and_times);
  EXPECT_EQ(loaded->predict(s.graphs[1]), model->predict(s.graphs[1]));
  std::filesystem::remove_all(dir);

  // Three targets per unit, the times positive.
  std::vector<double> labels(
      s.examples[0].target.begin(),
      s.examples[0].target.begin() + static_cast<std::ptrdiff_t>(s.graphs[0].features.size()));
  try {
    model->train({{&s.graphs[0], labels}}, {}, o, nullptr);
    ADD_FAILURE() << "trained on labels without times";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 per unit"), std::string::npos) << e.what();
  }
  std::vector<double> zero_time = s.examples[0].target;
  zero_time.back() = 0.0;
  EXPECT_THROW(model->train({{&s.graphs[0], zero_time}}, {}, o, nullptr), Error);
  // The suffix times need the reverse direction, the prefix times the forward one.
  EXPECT_THROW(
      make_gnn_model({GnnDirection::forward, GnnHead::first_element_odds_and_times, 8, 1}, 1),
      Error);
}

TEST(GnnModel, BadExamplesAreErrors) {
  auto model = make_gnn_model({}, 1);
  const TrainingOptions o;
  EXPECT_THROW(model->train({}, {}, o, nullptr), Error);
  std::mt19937 rng(1);
  UnitGraph g = random_chain(3, rng);
  EXPECT_THROW(model->train({{&g, {1.0, 2.0}}}, {}, o, nullptr), Error);       // a target missing
  EXPECT_THROW(model->train({{&g, {1.0, 0.0, 2.0}}}, {}, o, nullptr), Error);  // a time of 0
  g.features[1].pop_back();
  EXPECT_THROW(model->predict(g), Error);            // 12 features
  EXPECT_THROW(model->predict(UnitGraph{}), Error);  // no nodes
}

}  // namespace
}  // namespace splitinfer::predict
