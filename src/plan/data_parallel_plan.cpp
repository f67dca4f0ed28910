#include <algorithm>
#include <map>
#include <string>

#include "plan/plan.h"

namespace splitinfer {

namespace {

// The time-sharing group of a chain element: its device, with every CPU
// device in one group when an all-core element ("cpu") is in the chain.
std::string sharing_group(const ChainElement& e, size_t index, bool all_cores_used) {
  if (e.device.empty()) return "element " + std::to_string(index);
  if (all_cores_used && e.device.rfind("cpu", 0) == 0) return "cpu";
  return e.device;
}

}  // namespace

DataParallelPlan evaluate_data_parallel(const PlanProblem& problem) {
  DataParallelPlan plan;
  const int n = problem.unit_count();
  const bool all_cores_used = std::any_of(problem.chain.begin(), problem.chain.end(),
                                          [](const ChainElement& e) { return e.device == "cpu"; });
  std::map<std::string, std::pair<double, int>> groups;  // summed whole-model ms, elements
  for (size_t s = 0; s < problem.chain.size(); ++s) {
    const StagePlan whole = price_stage(problem, static_cast<int>(s), nullptr, 0, n);
    plan.whole_ms.push_back(whole.total_ms());
    plan.basis.push_back(whole.basis);
    plan.latency_ms = std::max(plan.latency_ms, whole.total_ms());
    auto& g = groups[sharing_group(problem.chain[s], s, all_cores_used)];
    g.first += whole.total_ms();
    g.second += 1;
  }
  double rate = 0.0;  // frames per ms
  for (const auto& [name, g] : groups) rate += g.second / g.first;
  plan.period_ms = rate > 0.0 ? 1.0 / rate : 0.0;
  return plan;
}

}  // namespace splitinfer
