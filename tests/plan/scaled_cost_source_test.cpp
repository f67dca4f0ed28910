// A profile carried to the machine's speed of the moment: every time of an
// element scaled by its factor, the plans priced on it moving with them.
#include "plan/scaled_cost_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/error.h"
#include "plan/plan.h"

namespace splitinfer {
namespace {

// Unit u takes ms_per_unit on its element, a partition the sum of its units;
// beside partners the whole model takes `beside_ms`.
class EvenCosts : public CostSource {
 public:
  EvenCosts(std::map<std::string, double> ms_per_unit, double beside_ms)
      : ms_per_unit_(std::move(ms_per_unit)), beside_ms_(beside_ms) {}
  int unit_count() const override { return 4; }
  bool knows(const std::string& e) const override { return ms_per_unit_.count(e) != 0; }
  StageEstimate stage(const std::string& e, int first, int last) const override {
    return {ms_per_unit_.at(e) * (last - first), CostBasis::measured_partition};
  }
  StageEstimate whole_beside(const std::string&, const std::vector<std::string>&) const override {
    return {beside_ms_, CostBasis::measured_beside_partners};
  }

 private:
  std::map<std::string, double> ms_per_unit_;
  double beside_ms_;
};

PlanProblem two_cores(const CostSource& costs) {
  PlanProblem p;
  p.costs = &costs;
  p.chain = {{"a", Precision::int8, "cpu0"}, {"b", Precision::fp32, "cpu1"}};
  p.cut_elements = {0, 0, 0, 0, 0};  // nothing crosses but the INT8 scale's 8 bytes
  p.link = {"test-link", 0.0, 1.0, "spec"};
  return p;
}

TEST(ScaledCostSource, EveryTimeOfAnElementMovesByItsFactorAndKeepsItsBasis) {
  const EvenCosts inner({{"a", 1.0}, {"b", 2.0}}, 10.0);
  const ScaledCostSource scaled(inner, {{"a", 1.5}});
  EXPECT_DOUBLE_EQ(scaled.stage("a", 0, 2).ms, 3.0);
  EXPECT_DOUBLE_EQ(scaled.stage("b", 0, 2).ms, 4.0);  // no factor: as profiled
  EXPECT_EQ(scaled.stage("a", 1, 3).basis, CostBasis::measured_partition);
  EXPECT_DOUBLE_EQ(scaled.whole_beside("a", {"b"}).ms, 15.0);
  EXPECT_EQ(scaled.whole_beside("a", {"b"}).basis, CostBasis::measured_beside_partners);
  EXPECT_EQ(scaled.unit_count(), 4);
  EXPECT_TRUE(scaled.knows("b"));
  EXPECT_FALSE(scaled.knows("c"));
}

TEST(ScaledCostSource, APlanOnItIsPricedAtTheScaledSpeed) {
  const EvenCosts inner({{"a", 1.0}, {"b", 1.0}}, 4.0);
  const PlanProblem profiled = two_cores(inner);
  // Split 3: a runs three units, b one; a is the bottleneck.
  EXPECT_NEAR(evaluate_plan(profiled, {3}).period_ms, 3.0, 1e-4);
  const ScaledCostSource slower_b(inner, {{"b", 4.0}});
  const PlanProblem moved = [&] {
    PlanProblem p = profiled;
    p.costs = &slower_b;
    return p;
  }();
  EXPECT_NEAR(evaluate_plan(moved, {3}).period_ms, 4.0, 1e-4);  // b is now the bottleneck
  // Data-parallel on two devices: rates add, 1 / (1/4 + 1/16).
  EXPECT_DOUBLE_EQ(evaluate_data_parallel(profiled).period_ms, 2.0);
  EXPECT_NEAR(evaluate_data_parallel(moved).period_ms, 1.0 / (1.0 / 4 + 1.0 / 16), 1e-12);
}

TEST(ScaledCostSource, AFactorThatIsNotAPositiveNumberIsRefused) {
  const EvenCosts inner({{"a", 1.0}}, 4.0);
  for (const double bad : {0.0, -1.0, std::nan("")})
    EXPECT_THROW(ScaledCostSource(inner, {{"a", bad}}), Error) << bad;
}

}  // namespace
}  // namespace splitinfer
