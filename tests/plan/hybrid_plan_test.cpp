// Hybrid schedules: replicated pipeline stages priced by hand, the search
// against an independent enumeration, and the JEDI case where replicating
// the bottleneck stage beats both the pipeline and data-parallel.
#include "plan/hybrid_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/error.h"

namespace splitinfer {
namespace {

class UnitCosts : public CostSource {
 public:
  explicit UnitCosts(std::map<std::string, std::vector<double>> unit_ms)
      : unit_ms_(std::move(unit_ms)) {}
  int unit_count() const override { return static_cast<int>(unit_ms_.begin()->second.size()); }
  bool knows(const std::string& e) const override { return unit_ms_.count(e) != 0; }
  StageEstimate stage(const std::string& e, int first, int last) const override {
    double ms = 0.0;
    for (int u = first; u < last; ++u) ms += unit_ms_.at(e)[static_cast<size_t>(u)];
    return {ms, CostBasis::simulated};
  }

 private:
  std::map<std::string, std::vector<double>> unit_ms_;
};

PlanProblem free_link_problem(const CostSource& costs, std::vector<ChainElement> chain) {
  PlanProblem p;
  p.costs = &costs;
  p.chain = std::move(chain);
  p.cut_elements.assign(static_cast<size_t>(costs.unit_count()) + 1, 0);
  p.link = {"free", 0.0, 1e12, "spec"};
  return p;
}

TEST(HybridPlan, ReplicatingTheBottleneckBeatsPipelineAndDataParallel) {
  // Two slow elements of one kind and one that is good only at unit 1.
  const UnitCosts costs({{"a", {4, 4}}, {"b", {10, 1}}});
  const PlanProblem p = free_link_problem(
      costs, {{"a", Precision::int8}, {"a", Precision::int8}, {"b", Precision::fp16}});
  const HybridPlan h = evaluate_hybrid(p, {2, 3}, {1});
  ASSERT_EQ(h.stages.size(), 2u);
  EXPECT_EQ(h.stages[0].element_ms, (std::vector<double>{4.0, 4.0}));
  EXPECT_NEAR(h.stages[0].period_ms, 2.0, 1e-9);
  EXPECT_NEAR(h.stages[1].period_ms, 1.0, 1e-9);
  EXPECT_NEAR(h.period_ms, 2.0, 1e-9);
  EXPECT_NEAR(h.latency_ms, 5.0, 1e-9);
  const std::optional<HybridPlan> best = best_hybrid_plan(p);
  ASSERT_TRUE(best.has_value());
  EXPECT_NEAR(best->period_ms, 2.0, 1e-9);
  EXPECT_NEAR(best_chain_plan(p).period_ms, 4.0, 1e-9);  // unit 0 alone takes 4 somewhere
  EXPECT_NEAR(evaluate_data_parallel(p).period_ms, 1.0 / (2.0 / 8 + 1.0 / 11), 1e-9);
}

TEST(HybridPlan, NoneForTwoElementsOrSharedDevices) {
  const UnitCosts costs({{"a", {1, 2, 3}}, {"b", {3, 2, 1}}});
  EXPECT_FALSE(best_hybrid_plan(free_link_problem(costs, {{"a"}, {"b"}})).has_value());
  EXPECT_FALSE(best_hybrid_plan(free_link_problem(costs, {{"a", Precision::int8, "cpu0"},
                                                          {"a", Precision::int8, "cpu1"},
                                                          {"b", Precision::fp32, "cpu0"}}))
                   .has_value());
}

TEST(HybridPlan, RefusesMalformedGroupsAndCuts) {
  const UnitCosts costs({{"a", {1, 2, 3}}});
  const PlanProblem p = free_link_problem(costs, {{"a"}, {"a"}, {"a"}});
  EXPECT_THROW(evaluate_hybrid(p, {2, 3}, {}), Error);         // one cut too few
  EXPECT_THROW(evaluate_hybrid(p, {2, 3}, {3}), Error);        // an empty last stage
  EXPECT_THROW(evaluate_hybrid(p, {2, 2, 3}, {1, 2}), Error);  // an empty group
  EXPECT_THROW(evaluate_hybrid(p, {1, 2}, {1}), Error);        // elements left out
}

// Every grouping with two or more stages and a replicated one, every strictly
// increasing cut vector, written out with nested loops for three and four
// elements.
TEST(HybridPlan, SearchEqualsEnumeration) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> ms(0.2, 6.0);
  for (int trial = 0; trial < 12; ++trial) {
    const int n = 3 + trial % 3, k = 3 + trial % 2;
    std::map<std::string, std::vector<double>> table;
    std::vector<ChainElement> chain;
    for (int e = 0; e < k; ++e) {
      const std::string name = "e" + std::to_string(e);
      for (int u = 0; u < n; ++u) table[name].push_back(ms(rng));
      chain.push_back({name, Precision::fp32});
    }
    const UnitCosts costs(table);
    const PlanProblem p = free_link_problem(costs, chain);
    double want = std::numeric_limits<double>::infinity();
    std::vector<std::vector<int>> groupings =
        k == 3 ? std::vector<std::vector<int>>{{1, 3}, {2, 3}}
               : std::vector<std::vector<int>>{{1, 4},    {2, 4},    {3, 4},
                                               {1, 2, 4}, {1, 3, 4}, {2, 3, 4}};
    for (const auto& ends : groupings)
      for (int c1 = 1; c1 < n; ++c1) {
        if (ends.size() == 2) want = std::min(want, evaluate_hybrid(p, ends, {c1}).period_ms);
        else
          for (int c2 = c1 + 1; c2 < n; ++c2)
            want = std::min(want, evaluate_hybrid(p, ends, {c1, c2}).period_ms);
      }
    ASSERT_NEAR(best_hybrid_plan(p)->period_ms, want, 1e-12) << "trial " << trial;
  }
}

}  // namespace
}  // namespace splitinfer
