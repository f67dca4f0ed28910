// Schedules a user would try on the elements they name, ranked together: the
// pipeline (a contiguous split, plan.h), data-parallel (every element runs
// the whole model on the frames it takes) and hybrid (pipeline stages
// replicated over groups of elements, hybrid_plan.h). One objective orders
// them; a fidelity floor and a forced kind narrow the choice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/statistics.h"
#include "plan/hybrid_plan.h"
#include "plan/plan.h"

namespace splitinfer {

enum class ScheduleKind { pipeline, data_parallel, hybrid };

// "pipeline", "data_parallel" or "hybrid", as in JSON.
const char* schedule_kind_name(ScheduleKind kind);

// A --schedule value: "auto" (none: any kind), "pipeline", "data-parallel" or
// "hybrid";
// throws an invalid_input Error naming `text` for anything else.
std::optional<ScheduleKind> parse_schedule_choice(const std::string& text);

struct Candidate {
  ScheduleKind kind = ScheduleKind::pipeline;
  std::vector<int> cuts;        // pipelines and hybrids
  std::vector<int> group_ends;  // hybrids: each stage's exclusive end element
  double period_ms = 0.0;
  double latency_ms = 0.0;
  // Against FP32, when measured (simulated elements cannot run).
  std::optional<Fidelity> fidelity;
  double objective_ms(Objective o) const {
    return o == Objective::throughput ? period_ms : latency_ms;
  }
};

Candidate pipeline_candidate(const Plan& plan);
Candidate data_parallel_candidate(const DataParallelPlan& plan);
Candidate hybrid_candidate(const HybridPlan& plan);

struct ScheduleRequest {
  Objective objective = Objective::throughput;
  std::optional<ScheduleKind> kind;   // forced; none: any
  std::optional<double> min_sqnr_db;  // the fidelity floor
};

// Candidates of the requested kind, best first: by the objective, then the
// other objective, then pipelines, data-parallel and hybrids in that order,
// then the cuts.
std::vector<size_t> rank_candidates(const std::vector<Candidate>& candidates,
                                    const ScheduleRequest& request);

// Whether a candidate's measured fidelity holds the floor (always, without
// one; never, when its fidelity is unknown).
bool holds_floor(const Candidate& candidate, const ScheduleRequest& request);

}  // namespace splitinfer
