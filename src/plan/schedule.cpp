#include "plan/schedule.h"

#include <algorithm>
#include <tuple>

#include "common/error.h"

namespace splitinfer {

const char* schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::pipeline: return "pipeline";
    case ScheduleKind::data_parallel: return "data_parallel";
    case ScheduleKind::hybrid: return "hybrid";
  }
  return "unknown";
}

std::optional<ScheduleKind> parse_schedule_choice(const std::string& text) {
  if (text == "auto") return std::nullopt;
  if (text == "pipeline") return ScheduleKind::pipeline;
  if (text == "data-parallel") return ScheduleKind::data_parallel;
  if (text == "hybrid") return ScheduleKind::hybrid;
  fail(ErrorKind::invalid_input,
       "--schedule '" + text + "' is not auto, pipeline, data-parallel or hybrid");
}

Candidate pipeline_candidate(const Plan& plan) {
  return {ScheduleKind::pipeline, plan.cuts, {}, plan.period_ms, plan.latency_ms, std::nullopt};
}

Candidate data_parallel_candidate(const DataParallelPlan& plan) {
  return {ScheduleKind::data_parallel, {}, {}, plan.period_ms, plan.latency_ms, std::nullopt};
}

Candidate hybrid_candidate(const HybridPlan& plan) {
  Candidate c{ScheduleKind::hybrid, {}, {}, plan.period_ms, plan.latency_ms, std::nullopt};
  for (const HybridStage& s : plan.stages) {
    c.group_ends.push_back(s.last_element);
    if (s.first_unit > 0) c.cuts.push_back(s.first_unit);
  }
  return c;
}

std::vector<size_t> rank_candidates(const std::vector<Candidate>& candidates,
                                    const ScheduleRequest& request) {
  const Objective objective = request.objective;
  const Objective other =
      objective == Objective::throughput ? Objective::latency : Objective::throughput;
  std::vector<size_t> order;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (!request.kind || candidates[i].kind == *request.kind) order.push_back(i);
  auto key = [&](size_t i) {
    const Candidate& c = candidates[i];
    return std::make_tuple(c.objective_ms(objective), c.objective_ms(other),
                           static_cast<int>(c.kind), c.cuts);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  return order;
}

bool holds_floor(const Candidate& candidate, const ScheduleRequest& request) {
  if (!request.min_sqnr_db) return true;
  return candidate.fidelity && candidate.fidelity->min_sqnr_db >= *request.min_sqnr_db;
}

}  // namespace splitinfer
