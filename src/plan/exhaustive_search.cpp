// The split-inference paper's search: with two elements there are only N+1
// split indices, so every one is evaluated and the ranking is kept for the
// report's runner-ups.
#include <algorithm>

#include "common/error.h"
#include "plan/plan.h"

namespace splitinfer {

std::vector<Plan> rank_two_stage_splits(const PlanProblem& problem) {
  if (problem.chain.size() != 2)
    fail(ErrorKind::invalid_input, "the exhaustive split search takes two elements, not " +
                                       std::to_string(problem.chain.size()));
  std::vector<Plan> plans;
  for (int split = 0; split <= problem.unit_count(); ++split)
    plans.push_back(evaluate_plan(problem, {split}));
  std::sort(plans.begin(), plans.end(),
            [&](const Plan& a, const Plan& b) { return better_plan(a, b, problem.objective); });
  return plans;
}

Plan best_plan(const PlanProblem& problem) {
  return problem.chain.size() == 2 ? rank_two_stage_splits(problem).front()
                                   : best_chain_plan(problem);
}

}  // namespace splitinfer
