// An ensemble of partition models splits where the mean of its members'
// per-unit probabilities puts the cut, which need not be where any member
// alone would. Splits worked out by hand from split_from_probabilities'
// definition.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "predict/evaluate_predictors.h"
#include "predict/predictor_set.h"

namespace splitinfer::predict {
namespace {

// A partition model that answers fixed probabilities, whatever the graph.
class FixedPartitionModel : public GnnModel {
 public:
  explicit FixedPartitionModel(std::vector<double> probabilities)
      : probabilities_(std::move(probabilities)) {}
  const GnnArchitecture& architecture() const override { return architecture_; }
  TrainingReport train(const std::vector<UnitExample>&, const std::vector<UnitExample>&,
                       const TrainingOptions&,
                       const std::function<void(int, const EpochLoss&)>&) override {
    return {};
  }
  double loss(const std::vector<UnitExample>&) const override { return 0.0; }
  std::vector<double> predict(const UnitGraph&) const override { return probabilities_; }
  void save(const std::string&) const override {}

 private:
  GnnArchitecture architecture_{GnnDirection::both, GnnHead::first_element_odds};
  std::vector<double> probabilities_;
};

PredictorSet ensemble_of(const std::vector<std::vector<double>>& members) {
  PredictorSet set;
  for (const auto& p : members) set.partition.push_back(std::make_unique<FixedPartitionModel>(p));
  return set;
}

TEST(PartitionEnsemble, SplitsWhereTheMeanProbabilityPutsTheCut) {
  const UnitGraph graph;
  // Alone, the first member splits at 3 and the second at 1; their means
  // (0.9, 0.55, 0.55, 0.1) split at 3 as well, and with a third member that
  // doubts units 1 and 2, at 1.
  const std::vector<double> sure = {0.9, 0.9, 0.9, 0.1};
  const std::vector<double> early = {0.9, 0.2, 0.2, 0.1};
  const std::vector<double> doubting = {0.9, 0.1, 0.1, 0.1};
  EXPECT_EQ(predict_partition(ensemble_of({sure}), graph), 3);
  EXPECT_EQ(predict_partition(ensemble_of({early}), graph), 1);
  EXPECT_EQ(predict_partition(ensemble_of({sure, early}), graph), 3);
  EXPECT_EQ(predict_partition(ensemble_of({sure, early, doubting}), graph), 1);
  // A split that neither member makes: 1 and 4 alone, 2 on their means
  // (0.95, 0.6, 0.2, 0.5, 0.05).
  const std::vector<double> a = {0.95, 0.3, 0.1, 0.1, 0.05};
  const std::vector<double> b = {0.95, 0.9, 0.3, 0.9, 0.05};
  EXPECT_EQ(predict_partition(ensemble_of({a}), graph), 1);
  EXPECT_EQ(predict_partition(ensemble_of({b}), graph), 4);
  EXPECT_EQ(predict_partition(ensemble_of({a, b}), graph), 2);
}

}  // namespace
}  // namespace splitinfer::predict
