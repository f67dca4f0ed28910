#include <algorithm>
#include <map>

#include "plan/plan.h"

namespace splitinfer {

DataParallelPlan evaluate_data_parallel(const PlanProblem& problem) {
  DataParallelPlan plan;
  const int n = problem.unit_count();
  const std::vector<int> group = sharing_groups(problem.chain);
  // Replicas on devices of their own run at once and slow each other down
  // (shared caches and memory): each is priced beside the others. Replicas
  // that share a device take turns, so each is priced alone.
  const bool side_by_side = !shares_a_device(problem.chain);
  std::map<int, std::pair<double, int>> groups;  // summed whole-model ms, elements
  for (size_t s = 0; s < problem.chain.size(); ++s) {
    const StagePlan alone = price_stage(problem, static_cast<int>(s), nullptr, 0, n);
    plan.latency_ms = std::max(plan.latency_ms, alone.total_ms());
    StageEstimate whole{alone.total_ms(), alone.basis};
    if (side_by_side && problem.chain.size() > 1) {
      std::vector<std::string> partners;
      for (size_t o = 0; o < problem.chain.size(); ++o)
        if (o != s) partners.push_back(problem.chain[o].name);
      whole = problem.costs->whole_beside(problem.chain[s].name, partners);
    }
    plan.whole_ms.push_back(whole.ms);
    plan.basis.push_back(whole.basis);
    auto& g = groups[group[s]];
    g.first += whole.ms;
    g.second += 1;
  }
  double rate = 0.0;  // frames per ms
  for (const auto& [name, g] : groups) rate += g.second / g.first;
  plan.period_ms = rate > 0.0 ? 1.0 / rate : 0.0;
  return plan;
}

}  // namespace splitinfer
