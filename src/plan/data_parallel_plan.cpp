#include <algorithm>
#include <map>

#include "plan/plan.h"

namespace splitinfer {

DataParallelPlan evaluate_data_parallel(const PlanProblem& problem) {
  DataParallelPlan plan;
  const int n = problem.unit_count();
  const std::vector<int> group = sharing_groups(problem.chain);
  std::map<int, std::pair<double, int>> groups;  // summed whole-model ms, elements
  for (size_t s = 0; s < problem.chain.size(); ++s) {
    const StagePlan whole = price_stage(problem, static_cast<int>(s), nullptr, 0, n);
    plan.whole_ms.push_back(whole.total_ms());
    plan.basis.push_back(whole.basis);
    plan.latency_ms = std::max(plan.latency_ms, whole.total_ms());
    auto& g = groups[group[s]];
    g.first += whole.total_ms();
    g.second += 1;
  }
  double rate = 0.0;  // frames per ms
  for (const auto& [name, g] : groups) rate += g.second / g.first;
  plan.period_ms = rate > 0.0 ? 1.0 / rate : 0.0;
  return plan;
}

}  // namespace splitinfer
