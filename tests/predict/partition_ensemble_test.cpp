// An ensemble of partition models splits where the mean of its members'
// per-unit probabilities puts the cut, which need not be where any member
// alone would; members that predict times weigh the period those give each
// cut as well. Splits worked out by hand from split_from_probabilities'
// definition.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "common/error.h"
#include "predict/evaluate_predictors.h"
#include "predict/predictor_set.h"

namespace splitinfer::predict {
namespace {

// A partition model that answers fixed probabilities, whatever the graph,
// and with `times`, fixed prefix and suffix times after them.
class FixedPartitionModel : public GnnModel {
 public:
  explicit FixedPartitionModel(std::vector<double> probabilities, std::vector<double> times = {})
      : output_(std::move(probabilities)) {
    output_.insert(output_.end(), times.begin(), times.end());
    if (!times.empty()) architecture_.head = GnnHead::first_element_odds_and_times;
  }
  const GnnArchitecture& architecture() const override { return architecture_; }
  TrainingReport train(const std::vector<UnitExample>&, const std::vector<UnitExample>&,
                       const TrainingOptions&,
                       const std::function<void(int, const EpochLoss&)>&) override {
    return {};
  }
  double loss(const std::vector<UnitExample>&) const override { return 0.0; }
  std::vector<double> predict(const UnitGraph&) const override { return output_; }
  void save(const std::string&) const override {}

 private:
  GnnArchitecture architecture_{GnnDirection::both, GnnHead::first_element_odds};
  std::vector<double> output_;
};

PredictorSet ensemble_of(const std::vector<std::vector<double>>& members,
                         const std::vector<std::vector<double>>& times = {}) {
  PredictorSet set;
  set.manifest.elements = {"cpu0:int8", "cpu1:fp32"};
  set.manifest.objective = Objective::throughput;
  for (size_t i = 0; i < members.size(); ++i)
    set.partition.push_back(std::make_unique<FixedPartitionModel>(
        members[i], i < times.size() ? times[i] : std::vector<double>{}));
  return set;
}

UnitGraph graph_of(size_t units) {
  UnitGraph g;
  g.features.assign(units, std::vector<float>(kNodeFeatureCount, 0.0f));
  return g;
}

// A link that costs nothing: the period at cut k is the slower of the
// prefix [0, k) and the suffix [k, N).
const Link kFreeLink{"free", 0.0, 1e12, "spec"};

PartitionPrediction predicted(const PredictorSet& set, size_t units,
                              double weight = kPartitionObjectiveWeight) {
  return predict_partition(set, graph_of(units), std::vector<int64_t>(units + 1, 0), kFreeLink,
                           weight);
}

int split_of(const PredictorSet& set, size_t units, double weight = kPartitionObjectiveWeight) {
  return predicted(set, units, weight).split;
}

TEST(PartitionEnsemble, SplitsWhereTheMeanProbabilityPutsTheCut) {
  // Alone, the first member splits at 3 and the second at 1; their means
  // (0.9, 0.55, 0.55, 0.1) split at 3 as well, and with a third member that
  // doubts units 1 and 2, at 1.
  const std::vector<double> sure = {0.9, 0.9, 0.9, 0.1};
  const std::vector<double> early = {0.9, 0.2, 0.2, 0.1};
  const std::vector<double> doubting = {0.9, 0.1, 0.1, 0.1};
  EXPECT_EQ(split_of(ensemble_of({sure}), 4), 3);
  EXPECT_EQ(split_of(ensemble_of({early}), 4), 1);
  EXPECT_EQ(split_of(ensemble_of({sure, early}), 4), 3);
  EXPECT_EQ(split_of(ensemble_of({sure, early, doubting}), 4), 1);
  // A split that neither member makes: 1 and 4 alone, 2 on their means
  // (0.95, 0.6, 0.2, 0.5, 0.05).
  const std::vector<double> a = {0.95, 0.3, 0.1, 0.1, 0.05};
  const std::vector<double> b = {0.95, 0.9, 0.3, 0.9, 0.05};
  EXPECT_EQ(split_of(ensemble_of({a}), 5), 1);
  EXPECT_EQ(split_of(ensemble_of({b}), 5), 4);
  EXPECT_EQ(split_of(ensemble_of({a, b}), 5), 2);
}

TEST(PartitionEnsemble, WeighsThePeriodItsOwnTimesPredict) {
  // The labels split at 3 (unit_curves_test works the numbers out); the
  // times (prefix 1, 2, 3, 4 ms on the first element, suffix 4, 3, 2, 1 ms
  // on the second) give periods 4, 3, 2, 3, 4 at cuts 0..4, best at 2.
  const std::vector<double> sure = {0.9, 0.9, 0.9, 0.1};
  const std::vector<double> balanced = {1, 2, 3, 4, 4, 3, 2, 1};
  EXPECT_EQ(split_of(ensemble_of({sure}, {balanced}), 4), 2);
  EXPECT_EQ(split_of(ensemble_of({sure}, {balanced}), 4, 5.0), 3);
  EXPECT_EQ(split_of(ensemble_of({sure}, {balanced}), 4, 0.0), 3);
  // The times and the period they predict at the chosen split come back.
  const PartitionPrediction with_times = predicted(ensemble_of({sure}, {balanced}), 4, 5.0);
  ASSERT_TRUE(with_times.times);
  EXPECT_EQ(with_times.times->split, 3);
  EXPECT_NEAR(with_times.times->objective_ms, 3.0, 1e-6);
  for (size_t u = 0; u < 4; ++u) {  // averaged on a log scale, so equal up to rounding
    EXPECT_NEAR(with_times.times->ms[0][u], balanced[u], 1e-9);
    EXPECT_NEAR(with_times.times->ms[1][u], balanced[4 + u], 1e-9);
  }
  // Without times, the weight changes nothing and no times come back.
  EXPECT_EQ(split_of(ensemble_of({sure}), 4, 1000.0), 3);
  EXPECT_FALSE(predicted(ensemble_of({sure}), 4).times);
  // The members' times average on a log scale: a second timed member whose
  // first element is 4x slower (prefix 4..16) moves the balance to cut 1
  // (geometric means: prefix 2, 4, 6, 8; periods 4, 3, 4, 6, 8).
  const std::vector<double> slow_first = {4, 8, 12, 16, 4, 3, 2, 1};
  EXPECT_EQ(split_of(ensemble_of({sure, sure}, {balanced, slow_first}), 4), 1);
  // A member without times adds its probabilities and no time.
  EXPECT_EQ(split_of(ensemble_of({sure, sure}, {balanced}), 4), 2);
  // A member that answers the wrong number of values is an error.
  EXPECT_THROW(split_of(ensemble_of({sure}), 5), Error);
}

}  // namespace
}  // namespace splitinfer::predict
