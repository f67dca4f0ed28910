// Hybrid schedules (JEDI-style replication inside a pipeline): the chain is
// cut into contiguous groups of elements, each group is one pipeline stage
// over a contiguous range of units, and every element of a group runs that
// whole range on the frames it takes. A group of one is a pipeline stage; one
// group of every element is data-parallel; a hybrid has at least two stages
// and at least one replicated stage, so that it can relieve a bottleneck
// stage with a second element of the same kind.
#pragma once

#include <optional>
#include <vector>

#include "plan/plan.h"

namespace splitinfer {

struct HybridStage {
  int first_element = 0, last_element = 0;  // chain elements [first, last)
  int first_unit = 0, last_unit = 0;
  // Each element's time for the range with its share of the transfers.
  std::vector<double> element_ms;
  double period_ms = 0.0;  // 1 / sum(1 / element_ms): the group's rates add
};

struct HybridPlan {
  std::vector<HybridStage> stages;
  double period_ms = 0.0;   // the slowest stage's
  double latency_ms = 0.0;  // unloaded, a frame landing on each stage's slowest element
  double objective_ms(Objective o) const {
    return o == Objective::throughput ? period_ms : latency_ms;
  }
};

// `group_ends`: the exclusive end element of each group, increasing, the last
// equal to the chain length; `cuts`: one fewer split indices, strictly
// increasing (no stage is empty). A stage receives from the previous stage's
// widest sender (the largest hand-off). Throws invalid_input otherwise.
HybridPlan evaluate_hybrid(const PlanProblem& problem, const std::vector<int>& group_ends,
                           const std::vector<int>& cuts);

// The best hybrid under the objective, trying every grouping and every split
// (an invalid_input Error beyond a million); none for chains of fewer than
// three elements or whose elements share a device (their time-sharing is not
// priced here).
std::optional<HybridPlan> best_hybrid_plan(const PlanProblem& problem);

}  // namespace splitinfer
