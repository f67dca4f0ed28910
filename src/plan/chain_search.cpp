// Dynamic programming over contiguous partitions for a chain of K elements.
// A stage's cost depends on its own range and on who sent its input (the
// sender's precision fixes the hand-off size), so the state after deciding
// stages 0..s-1 is (units placed, last non-empty stage). Both objectives
// combine stage costs monotonically (max for the period, sum for the
// latency), so the best completion of a state does not depend on how it was
// reached. Stages that time-share a device break this (their times add up
// across the chain), so such chains are searched by trying every cut vector.
#include <algorithm>
#include <limits>

#include "common/error.h"
#include "plan/plan.h"

namespace splitinfer {

namespace {

constexpr double kUnreached = std::numeric_limits<double>::infinity();

struct State {
  double value = kUnreached;
  int parent_units = -1, parent_last = -1;  // the state this one was reached from
};

constexpr double kMostCutVectors = 1e6;

// Every non-decreasing cut vector, best kept.
Plan best_of_every_cut_vector(const PlanProblem& p) {
  const int n = p.unit_count();
  const size_t k = p.chain.size();
  double count = 1.0;  // C(n + k - 1, k - 1)
  for (size_t i = 1; i < k; ++i)
    count = count * static_cast<double>(n + i) / static_cast<double>(i);
  if (count > kMostCutVectors)
    fail(ErrorKind::invalid_input,
         "elements of this chain share a device, so every split must be tried, and " +
             std::to_string(static_cast<long long>(count)) +
             " are too many: name fewer elements or give each its own device");
  std::vector<int> cuts(k - 1, 0);
  Plan best = evaluate_plan(p, cuts);
  while (true) {
    // The next non-decreasing vector: raise the last cut that can rise and
    // set every later one to it.
    size_t i = cuts.size();
    while (i > 0 && cuts[i - 1] == n) --i;
    if (i == 0) return best;
    const int raised = cuts[i - 1] + 1;
    std::fill(cuts.begin() + static_cast<long>(i) - 1, cuts.end(), raised);
    Plan plan = evaluate_plan(p, cuts);
    if (better_plan(plan, best, p.objective)) best = std::move(plan);
  }
}

}  // namespace

Plan best_chain_plan(const PlanProblem& p) {
  const int n = p.unit_count();
  const int k = static_cast<int>(p.chain.size());
  if (k < 1) fail(ErrorKind::invalid_input, "a plan needs at least one element");
  if (shares_a_device(p.chain)) return best_of_every_cut_vector(p);
  const bool period = p.objective == Objective::throughput;

  // states[s][j][last + 1]: stages 0..s-1 decided, units [0, j) placed, the
  // last non-empty stage being `last` (-1 for none).
  std::vector<std::vector<std::vector<State>>> states(
      static_cast<size_t>(k) + 1,
      std::vector<std::vector<State>>(static_cast<size_t>(n) + 1,
                                      std::vector<State>(static_cast<size_t>(k) + 1)));
  auto at = [&](int s, int j, int last) -> State& {
    return states[static_cast<size_t>(s)][static_cast<size_t>(j)][static_cast<size_t>(last + 1)];
  };
  auto relax = [&](int s, int j, int last, double value, int from_j, int from_last) {
    State& to = at(s, j, last);
    if (value < to.value) to = {value, from_j, from_last};
  };
  at(0, 0, -1).value = 0.0;
  for (int s = 0; s < k; ++s)
    for (int j = 0; j <= n; ++j)
      for (int last = -1; last < s; ++last) {
        const double so_far = at(s, j, last).value;
        if (so_far == kUnreached) continue;
        relax(s + 1, j, last, so_far, j, last);  // stage s left empty
        const ChainElement* sender = last >= 0 ? &p.chain[static_cast<size_t>(last)] : nullptr;
        for (int end = j + 1; end <= n; ++end) {
          const double stage = price_stage(p, s, sender, j, end).total_ms();
          relax(s + 1, end, s, period ? std::max(so_far, stage) : so_far + stage, j, last);
        }
      }

  int last = -1;
  for (int l = -1; l < k; ++l)
    if (at(k, n, l).value < at(k, n, last).value) last = l;
  std::vector<int> cuts(static_cast<size_t>(k) - 1);
  for (int s = k, j = n; s > 0; --s) {
    const State& state = at(s, j, last);
    if (s < k) cuts[static_cast<size_t>(s) - 1] = j;
    j = state.parent_units;
    last = state.parent_last;
  }
  return evaluate_plan(p, cuts);
}

}  // namespace splitinfer
