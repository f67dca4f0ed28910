// The planner against hand-computed plans and against brute force: the
// dynamic program over K-element chains must find a plan as good as trying
// every cut vector.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>

#include "common/error.h"
#include "plan/plan.h"

namespace splitinfer {
namespace {

// Per-unit times per element; a stage also pays a fixed start cost, so that
// sums of units are not the whole story (as with real partitions).
class TableCosts : public CostSource {
 public:
  TableCosts(std::map<std::string, std::vector<double>> unit_ms, double stage_overhead_ms)
      : unit_ms_(std::move(unit_ms)), overhead_(stage_overhead_ms) {}
  int unit_count() const override { return static_cast<int>(unit_ms_.begin()->second.size()); }
  bool knows(const std::string& e) const override { return unit_ms_.count(e) != 0; }
  StageEstimate stage(const std::string& e, int first, int last) const override {
    double ms = overhead_;
    for (int u = first; u < last; ++u) ms += unit_ms_.at(e)[static_cast<size_t>(u)];
    return {ms, CostBasis::simulated};
  }

 private:
  std::map<std::string, std::vector<double>> unit_ms_;
  double overhead_;
};

PlanProblem problem(const CostSource& costs, std::vector<ChainElement> chain,
                    std::vector<int64_t> cut_elements, LinkMode mode, Objective objective) {
  PlanProblem p;
  p.costs = &costs;
  p.chain = std::move(chain);
  p.cut_elements = std::move(cut_elements);
  p.link = {"test-link", 0.1, 1.0, "spec"};  // 0.1 ms + 1 ms per 1e6 bytes
  p.mode = mode;
  p.objective = objective;
  return p;
}

TEST(PlanEvaluate, HandComputedDirectAndIndirect) {
  const TableCosts costs({{"a", {1, 2, 3}}, {"b", {2, 2, 2}}}, 0.5);
  // 3 units; 1e6 elements cross cut 1, 2e6 cross cut 2.
  const std::vector<int64_t> cuts{0, 1000000, 2000000, 10};
  {
    const Plan plan = evaluate_plan(problem(costs, {{"a", Precision::int8}, {"b", Precision::fp32}},
                                            cuts, LinkMode::direct, Objective::throughput),
                                    {1});
    // a: 0.5 + 1 compute, sends 1e6 + 8 int8 bytes: 0.1 + 1.000008 ms. b: 0.5 + 4.
    EXPECT_NEAR(plan.stages[0].compute_ms, 1.5, 1e-12);
    EXPECT_EQ(plan.stages[0].send_bytes, 1000008);
    EXPECT_NEAR(plan.stages[0].send_ms, 1.100008, 1e-9);
    EXPECT_NEAR(plan.stages[1].receive_ms, 0.0, 1e-12);
    EXPECT_NEAR(plan.period_ms, 4.5, 1e-9);
    EXPECT_NEAR(plan.latency_ms, 1.5 + 1.100008 + 4.5, 1e-9);
  }
  {
    // Float sender, indirect: 8e6 bytes to the host on a, then to b's memory on b.
    const Plan plan = evaluate_plan(problem(costs, {{"a", Precision::fp32}, {"b", Precision::fp32}},
                                            cuts, LinkMode::indirect, Objective::latency),
                                    {2});
    EXPECT_NEAR(plan.stages[0].total_ms(), 3.5 + 8.1, 1e-9);
    EXPECT_NEAR(plan.stages[1].total_ms(), 2.5 + 8.1, 1e-9);
    EXPECT_NEAR(plan.period_ms, 11.6, 1e-9);
    EXPECT_NEAR(plan.latency_ms, 22.2, 1e-9);
  }
  {
    // A bfloat16 sender: 2 bytes per value, 4e6 bytes over cut 2.
    const Plan plan = evaluate_plan(problem(costs, {{"a", Precision::bf16}, {"b", Precision::fp32}},
                                            cuts, LinkMode::direct, Objective::throughput),
                                    {2});
    EXPECT_EQ(plan.stages[0].send_bytes, 4000000);
    EXPECT_NEAR(plan.stages[0].send_ms, 4.1, 1e-9);
  }
  {
    // Split 0 and N: one element runs everything, nothing crosses a link.
    const auto p = problem(costs, {{"a", Precision::int8}, {"b", Precision::fp32}}, cuts,
                           LinkMode::direct, Objective::throughput);
    EXPECT_NEAR(evaluate_plan(p, {0}).period_ms, 6.5, 1e-12);
    EXPECT_NEAR(evaluate_plan(p, {3}).period_ms, 6.5, 1e-12);
    EXPECT_TRUE(evaluate_plan(p, {0}).stages[0].empty());
  }
}

TEST(PlanEvaluate, RejectsBadSplits) {
  const TableCosts costs({{"a", {1, 2}}, {"b", {1, 1}}}, 0.0);
  const auto p = problem(costs, {{"a", Precision::fp32}, {"b", Precision::fp32}}, {0, 4, 4},
                         LinkMode::direct, Objective::throughput);
  EXPECT_THROW(evaluate_plan(p, {3}), Error);
  EXPECT_THROW(evaluate_plan(p, {-1}), Error);
  EXPECT_THROW(evaluate_plan(p, {1, 1}), Error);
  try {
    evaluate_plan(p, {7});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("0 to 2"), std::string::npos) << e.what();
  }
}

TEST(PlanSearch, TwoStageRankingIsSortedAndComplete) {
  const TableCosts costs({{"a", {1, 1, 1, 1}}, {"b", {3, 3, 3, 3}}}, 0.0);
  const auto p = problem(costs, {{"a", Precision::int8}, {"b", Precision::fp32}},
                         {0, 100, 100, 100, 100}, LinkMode::direct, Objective::throughput);
  const std::vector<Plan> ranked = rank_two_stage_splits(p);
  ASSERT_EQ(ranked.size(), 5u);
  for (size_t i = 1; i < ranked.size(); ++i)
    EXPECT_LE(ranked[i - 1].period_ms, ranked[i].period_ms);
  // a alone: 4 ms; b alone: 12 ms; split 3: max(3 + transfer, 3) is best.
  EXPECT_EQ(ranked.front().cuts, std::vector<int>{3});
}

// Every non-decreasing cut vector of K-1 values in 0..N.
void for_each_cut_vector(int n, int k, const std::function<void(const std::vector<int>&)>& visit) {
  std::vector<int> cuts(static_cast<size_t>(k) - 1, 0);
  std::function<void(size_t, int)> place = [&](size_t i, int from) {
    if (i == cuts.size()) return visit(cuts);
    for (int c = from; c <= n; ++c) {
      cuts[i] = c;
      place(i + 1, c);
    }
  };
  place(0, 0);
}

TEST(PlanSearch, DynamicProgramEqualsBruteForce) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ms(0.1, 5.0);
  std::uniform_int_distribution<int64_t> elements(1, 3000000);
  int cases = 0;
  for (int k = 1; k <= 4; ++k)
    for (int n : {1, 2, 5, 8})
      for (int trial = 0; trial < 6; ++trial) {
        std::map<std::string, std::vector<double>> table;
        std::vector<ChainElement> chain;
        for (int e = 0; e < k; ++e) {
          const std::string name = "e" + std::to_string(e);
          for (int u = 0; u < n; ++u) table[name].push_back(ms(rng));
          chain.push_back({name, (trial + e) % 2 == 0 ? Precision::int8 : Precision::fp32});
        }
        std::vector<int64_t> cut_elements;
        for (int j = 0; j <= n; ++j) cut_elements.push_back(elements(rng));
        const TableCosts costs(table, trial % 3 == 0 ? 0.0 : 0.3);
        for (LinkMode mode : {LinkMode::direct, LinkMode::indirect})
          for (Objective objective : {Objective::throughput, Objective::latency}) {
            const auto p = problem(costs, chain, cut_elements, mode, objective);
            double brute = std::numeric_limits<double>::infinity();
            for_each_cut_vector(n, k, [&](const std::vector<int>& cuts) {
              brute = std::min(brute, evaluate_plan(p, cuts).objective_ms(objective));
            });
            const Plan dp = best_chain_plan(p);
            ASSERT_NEAR(dp.objective_ms(objective), brute, 1e-9)
                << "k=" << k << " n=" << n << " trial=" << trial;
            if (k == 2)
              ASSERT_NEAR(rank_two_stage_splits(p).front().objective_ms(objective), brute, 1e-9);
            ++cases;
          }
      }
  EXPECT_EQ(cases, 4 * 4 * 6 * 4);
}

}  // namespace
}  // namespace splitinfer

namespace splitinfer {
namespace {

// Data-parallel pricing, by hand: whole-model times 1 + 2 + 3 + 0.5 = 6.5 ms
// on "a" and 6.5 ms on "b" (2 + 2 + 2 + 0.5).
TEST(PlanDataParallel, DevicesAddTheirRatesAndSharedDevicesTimeShare) {
  const TableCosts costs({{"a", {1, 2, 3}}, {"b", {2, 2, 2}}, {"c", {3, 3, 3}}}, 0.5);
  const std::vector<int64_t> cuts{0, 10, 10, 10};
  auto priced = [&](std::vector<ChainElement> chain) {
    return evaluate_data_parallel(
        problem(costs, std::move(chain), cuts, LinkMode::direct, Objective::throughput));
  };
  // Two devices: rates add.
  const DataParallelPlan two =
      priced({{"a", Precision::int8, "cpu0"}, {"b", Precision::fp32, "cpu1"}});
  EXPECT_EQ(two.whole_ms, (std::vector<double>{6.5, 6.5}));
  EXPECT_NEAR(two.period_ms, 3.25, 1e-12);
  EXPECT_NEAR(two.latency_ms, 6.5, 1e-12);
  // One core time-shared by two elements: one frame per mean whole time.
  const DataParallelPlan shared =
      priced({{"a", Precision::int8, "cpu0"}, {"c", Precision::fp32, "cpu0"}});
  EXPECT_NEAR(shared.period_ms, (6.5 + 9.5) / 2, 1e-12);
  EXPECT_NEAR(shared.latency_ms, 9.5, 1e-12);
  // An all-core element shares with every core.
  const DataParallelPlan all =
      priced({{"a", Precision::int8, "cpu"}, {"b", Precision::fp32, "cpu1"}});
  EXPECT_NEAR(all.period_ms, 6.5, 1e-12);
  // Elements with no device (simulated) are devices of their own.
  const DataParallelPlan sim =
      priced({{"a", Precision::int8}, {"a", Precision::int8}, {"c", Precision::fp32}});
  EXPECT_NEAR(sim.period_ms, 1.0 / (2 / 6.5 + 1 / 9.5), 1e-12);
}

// Whole-model times beside partners: "a" 8 ms, "b" 7 ms (alone 6.5 each);
// records which partners each element was asked about.
class BesideCosts : public TableCosts {
 public:
  BesideCosts() : TableCosts({{"a", {1, 2, 3}}, {"b", {2, 2, 2}}, {"c", {3, 3, 3}}}, 0.5) {}
  StageEstimate whole_beside(const std::string& e,
                             const std::vector<std::string>& partners) const override {
    asked[e] = partners;
    return {e == "a" ? 8.0 : 7.0, CostBasis::measured_beside_partners};
  }
  mutable std::map<std::string, std::vector<std::string>> asked;
};

// Replicas that run at once slow each other down: the period is priced from
// each one's time beside the others, the latency (one frame, unloaded) from
// its time alone. Replicas that take turns on one device are priced alone.
TEST(PlanDataParallel, ReplicasOnDevicesOfTheirOwnArePricedBesideTheirPartners) {
  const BesideCosts costs;
  const std::vector<int64_t> cuts{0, 10, 10, 10};
  const DataParallelPlan two = evaluate_data_parallel(
      problem(costs, {{"a", Precision::int8, "cpu0"}, {"b", Precision::fp32, "cpu1"}}, cuts,
              LinkMode::direct, Objective::throughput));
  EXPECT_EQ(two.whole_ms, (std::vector<double>{8.0, 7.0}));
  EXPECT_EQ(two.basis, (std::vector<CostBasis>{CostBasis::measured_beside_partners,
                                               CostBasis::measured_beside_partners}));
  EXPECT_NEAR(two.period_ms, 1.0 / (1.0 / 8.0 + 1.0 / 7.0), 1e-12);
  EXPECT_NEAR(two.latency_ms, 6.5, 1e-12);
  EXPECT_EQ(costs.asked.at("a"), std::vector<std::string>{"b"});
  EXPECT_EQ(costs.asked.at("b"), std::vector<std::string>{"a"});

  costs.asked.clear();
  const DataParallelPlan shared = evaluate_data_parallel(
      problem(costs, {{"a", Precision::int8, "cpu0"}, {"c", Precision::fp32, "cpu0"}}, cuts,
              LinkMode::direct, Objective::throughput));
  EXPECT_TRUE(costs.asked.empty());
  EXPECT_NEAR(shared.period_ms, (6.5 + 9.5) / 2, 1e-12);
  EXPECT_EQ(shared.basis, (std::vector<CostBasis>{CostBasis::simulated, CostBasis::simulated}));
}

}  // namespace
}  // namespace splitinfer

namespace splitinfer {
namespace {

// A pipeline whose stages share a device time-shares it: the device's
// stages add up in the period. Whole times per unit as above, no link cost.
TEST(PlanSharedDevice, StagesOnOneDeviceAddUpInThePeriod) {
  const TableCosts costs({{"a", {1, 2, 3}}, {"b", {2, 2, 2}}, {"c", {3, 3, 3}}}, 0.5);
  const std::vector<int64_t> cuts{0, 0, 0, 0};
  const PlanProblem p = problem(costs,
                                {{"a", Precision::int8, "cpu0"},
                                 {"b", Precision::fp32, "cpu1"},
                                 {"c", Precision::fp32, "cpu0"}},
                                cuts, LinkMode::direct, Objective::throughput);
  EXPECT_EQ(sharing_groups(p.chain), (std::vector<int>{0, 1, 0}));
  // a: unit 0 (1.5 ms) and c: unit 2 (3.5 ms) on cpu0; b: unit 1 (2.5 ms);
  // a and b each send an 8-byte INT8 header or 0 float bytes: 0.1 ms more.
  const Plan plan = evaluate_plan(p, {1, 2});
  EXPECT_NEAR(plan.stages[0].total_ms(), 1.600008, 1e-12);
  EXPECT_NEAR(plan.stages[1].total_ms(), 2.6, 1e-12);
  EXPECT_NEAR(plan.stages[2].total_ms(), 3.5, 1e-12);
  EXPECT_NEAR(plan.period_ms, 5.100008, 1e-12);
  EXPECT_NEAR(plan.latency_ms, 7.700008, 1e-12);
  // The search tries every cut vector for such a chain and finds the best.
  double brute = std::numeric_limits<double>::infinity();
  for_each_cut_vector(3, 3, [&](const std::vector<int>& c) {
    brute = std::min(brute, evaluate_plan(p, c).period_ms);
  });
  EXPECT_NEAR(best_chain_plan(p).period_ms, brute, 1e-12);
  // An all-core element shares with every CPU core.
  EXPECT_EQ(sharing_groups({{"x", Precision::fp32, "cpu"},
                            {"y", Precision::fp32, "cpu1"},
                            {"z", Precision::fp32, ""},
                            {"w", Precision::fp32, "cuda0"}}),
            (std::vector<int>{0, 0, 1, 2}));
}

TEST(PlanSharedDevice, RandomSharedChainsMatchBruteForce) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> ms(0.1, 5.0);
  std::uniform_int_distribution<int64_t> elements(1, 3000000);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 3 + trial % 4, k = 3 + trial % 2;
    std::map<std::string, std::vector<double>> table;
    std::vector<ChainElement> chain;
    for (int e = 0; e < k; ++e) {
      const std::string name = "e" + std::to_string(e);
      for (int u = 0; u < n; ++u) table[name].push_back(ms(rng));
      chain.push_back(
          {name, e % 2 == 0 ? Precision::int8 : Precision::fp32, "cpu" + std::to_string(e % 2)});
    }
    std::vector<int64_t> cut_elements;
    for (int j = 0; j <= n; ++j) cut_elements.push_back(elements(rng));
    const TableCosts costs(table, 0.3);
    const auto p = problem(costs, chain, cut_elements, LinkMode::direct, Objective::throughput);
    double brute = std::numeric_limits<double>::infinity();
    for_each_cut_vector(n, k, [&](const std::vector<int>& cuts) {
      brute = std::min(brute, evaluate_plan(p, cuts).period_ms);
    });
    ASSERT_NEAR(best_chain_plan(p).period_ms, brute, 1e-9) << "trial " << trial;
  }
}

}  // namespace
}  // namespace splitinfer
