#include <algorithm>
#include <tuple>

#include "common/error.h"
#include "graph/graph.h"
#include "plan/plan.h"

namespace splitinfer {

int64_t PlanProblem::handoff_bytes(const ChainElement& sender, int cut) const {
  const int64_t n = cut_elements.at(static_cast<size_t>(cut));
  return splitinfer::handoff_bytes(sender.precision, n);
}

StagePlan price_stage(const PlanProblem& p, int s, const ChainElement* sender, int first,
                      int last) {
  StagePlan stage;
  stage.element = p.chain.at(static_cast<size_t>(s)).name;
  stage.first_unit = first;
  stage.last_unit = last;
  if (stage.empty()) return stage;
  const StageEstimate e = p.costs->stage(stage.element, first, last);
  stage.compute_ms = e.ms;
  stage.basis = e.basis;
  if (sender)
    stage.receive_ms = charge_transfer(p.link, p.mode, p.handoff_bytes(*sender, first)).receiver_ms;
  if (last < p.unit_count()) {
    stage.send_bytes = p.handoff_bytes(p.chain[static_cast<size_t>(s)], last);
    stage.send_ms = charge_transfer(p.link, p.mode, stage.send_bytes).sender_ms;
  }
  return stage;
}

void validate_cuts(const std::vector<int>& cuts, int n, size_t k) {
  if (cuts.size() + 1 != k)
    fail(ErrorKind::invalid_input, std::to_string(k) + " elements need " + std::to_string(k - 1) +
                                       " split indices, not " + std::to_string(cuts.size()));
  for (size_t i = 0; i < cuts.size(); ++i)
    if (cuts[i] < 0 || cuts[i] > n || (i > 0 && cuts[i] < cuts[i - 1]))
      fail(ErrorKind::invalid_input, "split index " + std::to_string(cuts[i]) +
                                         " is out of range: split indices run from 0 to " +
                                         std::to_string(n) + " and may not decrease");
}

Plan evaluate_plan(const PlanProblem& p, const std::vector<int>& cuts) {
  const int n = p.unit_count();
  const size_t k = p.chain.size();
  validate_cuts(cuts, n, k);
  Plan plan;
  plan.cuts = cuts;
  const std::vector<int> group = sharing_groups(p.chain);
  std::vector<double> busy(k, 0.0);      // per sharing group: its stages' time per frame
  const ChainElement* sender = nullptr;  // the last non-empty stage so far
  for (size_t s = 0; s < k; ++s) {
    const int first = s == 0 ? 0 : cuts[s - 1];
    const int last = s + 1 == k ? n : cuts[s];
    StagePlan stage = price_stage(p, static_cast<int>(s), sender, first, last);
    if (!stage.empty()) sender = &p.chain[s];
    busy[static_cast<size_t>(group[s])] += stage.total_ms();
    plan.latency_ms += stage.total_ms();
    plan.stages.push_back(std::move(stage));
  }
  plan.period_ms = *std::max_element(busy.begin(), busy.end());
  return plan;
}

bool better_plan(const Plan& a, const Plan& b, Objective objective) {
  const Objective other =
      objective == Objective::throughput ? Objective::latency : Objective::throughput;
  return std::make_tuple(a.objective_ms(objective), a.objective_ms(other), a.cuts) <
         std::make_tuple(b.objective_ms(objective), b.objective_ms(other), b.cuts);
}

}  // namespace splitinfer
