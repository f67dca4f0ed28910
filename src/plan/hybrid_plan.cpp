#include "plan/hybrid_plan.h"

#include <algorithm>

#include "common/error.h"

namespace splitinfer {

namespace {

constexpr double kMostHybrids = 1e6;

// C(n, k) as a double (counts only).
double choose(int n, int k) {
  double c = 1.0;
  for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

// The sender whose hand-off at `cut` is largest, of chain elements [first, last).
const ChainElement* widest_sender(const PlanProblem& p, int first, int last, int cut) {
  const ChainElement* widest = &p.chain[static_cast<size_t>(first)];
  for (int e = first + 1; e < last; ++e)
    if (p.handoff_bytes(p.chain[static_cast<size_t>(e)], cut) > p.handoff_bytes(*widest, cut))
      widest = &p.chain[static_cast<size_t>(e)];
  return widest;
}

// Calls visit(cuts) for every strictly increasing vector of `count` cuts in 1..n-1.
template <typename Visit>
void for_each_strict_cuts(int n, int count, Visit visit) {
  std::vector<int> cuts(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) cuts[static_cast<size_t>(i)] = i + 1;
  if (count > n - 1) return;
  while (true) {
    visit(cuts);
    int i = count - 1;
    while (i >= 0 && cuts[static_cast<size_t>(i)] == n - count + i) --i;
    if (i < 0) return;
    ++cuts[static_cast<size_t>(i)];
    for (int j = i + 1; j < count; ++j)
      cuts[static_cast<size_t>(j)] = cuts[static_cast<size_t>(j) - 1] + 1;
  }
}

}  // namespace

HybridPlan evaluate_hybrid(const PlanProblem& p, const std::vector<int>& group_ends,
                           const std::vector<int>& cuts) {
  const int n = p.unit_count();
  const int k = static_cast<int>(p.chain.size());
  const bool groups_ok =
      !group_ends.empty() && group_ends.back() == k &&
      std::is_sorted(group_ends.begin(), group_ends.end()) &&
      std::adjacent_find(group_ends.begin(), group_ends.end()) == group_ends.end() &&
      group_ends.front() > 0;
  bool cuts_ok = cuts.size() + 1 == group_ends.size();
  for (size_t i = 0; cuts_ok && i < cuts.size(); ++i)
    cuts_ok = cuts[i] > (i == 0 ? 0 : cuts[i - 1]) && cuts[i] < n;
  if (!groups_ok || !cuts_ok)
    fail(ErrorKind::invalid_input, "a hybrid schedule needs increasing groups of the " +
                                       std::to_string(k) +
                                       " elements and one fewer increasing "
                                       "split indices within 1.." +
                                       std::to_string(n - 1));
  HybridPlan plan;
  for (size_t g = 0; g < group_ends.size(); ++g) {
    HybridStage stage;
    stage.first_element = g == 0 ? 0 : group_ends[g - 1];
    stage.last_element = group_ends[g];
    stage.first_unit = g == 0 ? 0 : cuts[g - 1];
    stage.last_unit = g + 1 == group_ends.size() ? n : cuts[g];
    const ChainElement* sender =
        g == 0 ? nullptr
               : widest_sender(p, plan.stages.back().first_element, plan.stages.back().last_element,
                               stage.first_unit);
    double rate = 0.0, slowest = 0.0;
    for (int e = stage.first_element; e < stage.last_element; ++e) {
      // Priced as a stage of its own chain position, with the group's sender.
      StagePlan s = price_stage(p, e, sender, stage.first_unit, stage.last_unit);
      stage.element_ms.push_back(s.total_ms());
      rate += 1.0 / s.total_ms();
      slowest = std::max(slowest, s.total_ms());
    }
    stage.period_ms = 1.0 / rate;
    plan.period_ms = std::max(plan.period_ms, stage.period_ms);
    plan.latency_ms += slowest;
    plan.stages.push_back(std::move(stage));
  }
  return plan;
}

std::optional<HybridPlan> best_hybrid_plan(const PlanProblem& p) {
  const int n = p.unit_count();
  const int k = static_cast<int>(p.chain.size());
  if (k < 3 || shares_a_device(p.chain)) return std::nullopt;
  // Groupings: which of the k-1 gaps between elements end a group.
  double count = 0.0;
  for (int gaps = 1; gaps < k - 1; ++gaps) count += choose(k - 1, gaps) * choose(n - 1, gaps);
  if (count > kMostHybrids)
    fail(ErrorKind::invalid_input, "hybrid schedules of " + std::to_string(k) + " elements over " +
                                       std::to_string(n) +
                                       " units are too many to try: name fewer elements");
  const Objective other =
      p.objective == Objective::throughput ? Objective::latency : Objective::throughput;
  std::optional<HybridPlan> best;
  for (unsigned mask = 1; mask + 1 < (1u << (k - 1)); ++mask) {
    std::vector<int> ends;
    for (int gap = 0; gap < k - 1; ++gap)
      if (mask & (1u << gap)) ends.push_back(gap + 1);
    ends.push_back(k);
    for_each_strict_cuts(n, static_cast<int>(ends.size()) - 1, [&](const std::vector<int>& cuts) {
      HybridPlan h = evaluate_hybrid(p, ends, cuts);
      if (!best || std::make_pair(h.objective_ms(p.objective), h.objective_ms(other)) <
                       std::make_pair(best->objective_ms(p.objective), best->objective_ms(other)))
        best = std::move(h);
    });
  }
  return best;
}

}  // namespace splitinfer
