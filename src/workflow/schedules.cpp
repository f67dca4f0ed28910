#include "workflow/schedules.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "common/error.h"
#include "exec/element.h"
#include "graph/graph.h"
#include "profile/calibration_cache.h"
#include "runtime/split_runner.h"

namespace splitinfer {

namespace {

// What the fidelity cache records the frames as: input_frames's noise.
constexpr const char* kFidelityFrames = "8 standard normal noise frames, seed 777";

std::string cache_dir_or_none() {
  try {
    return default_cache_dir();
  } catch (const Error&) {
    return "";
  }
}

std::string db_text(double db) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << db;
  return s.str();
}

}  // namespace

FidelityMeter::FidelityMeter(const Graph& graph, const Planning& planning)
    : graph_(graph),
      elements_(planning.elements),
      calibration_(planning.calibration.get()),
      unit_count_(static_cast<int>(graph.units.size())),
      frames_(input_frames(graph, "")),
      cache_(graph, calibration_, kFidelityFrames, cache_dir_or_none()) {}

const std::vector<std::vector<float>>& FidelityMeter::reference() {
  if (reference_.empty()) {
    std::vector<PipelineStage> fp32 = build_stages(graph_, {"cpu0:fp32"}, {}, nullptr);
    reference_ = outputs_in_turn(fp32, frames_);
  }
  return reference_;
}

Fidelity FidelityMeter::measure(const std::vector<std::string>& elements,
                                const std::vector<int>& cuts) {
  std::vector<PrecisionStage> stages;
  for (size_t k = 0; k < elements.size(); ++k)
    stages.push_back({parse_element(elements[k]).precision, k == 0 ? 0 : cuts.at(k - 1),
                      k + 1 == elements.size() ? unit_count_ : cuts.at(k)});
  const std::string key = fidelity_key(stages);
  if (auto known = cache_.find(key)) return *known;
  std::vector<PipelineStage> run = build_stages(graph_, elements, cuts, calibration_);
  const Fidelity fidelity = compare_outputs(outputs_in_turn(run, frames_), reference());
  cache_.put(key, fidelity);
  return fidelity;
}

Fidelity FidelityMeter::pipeline(const std::vector<int>& cuts) { return measure(elements_, cuts); }

Fidelity FidelityMeter::data_parallel() {
  std::optional<Fidelity> worst;
  for (const std::string& e : elements_) {
    const Fidelity f = measure({e}, {});
    if (!worst || f.min_sqnr_db < worst->min_sqnr_db) worst = f;
  }
  return *worst;
}

std::optional<Fidelity> FidelityMeter::of(const Candidate& c) {
  switch (c.kind) {
    case ScheduleKind::pipeline: return pipeline(c.cuts);
    case ScheduleKind::data_parallel: return data_parallel();
    case ScheduleKind::hybrid: break;
  }
  return std::nullopt;
}

std::optional<size_t> Schedules::best_of(ScheduleKind kind) const {
  ScheduleRequest any_of_kind = request;
  any_of_kind.kind = kind;
  any_of_kind.min_sqnr_db.reset();
  const std::vector<size_t> order = rank_candidates(candidates, any_of_kind);
  if (order.empty()) return std::nullopt;
  return order[0];
}

const Plan& Schedules::pipeline_to_run() const {
  if (choice().kind == ScheduleKind::pipeline) return pipelines[chosen];
  ScheduleRequest pipelines_only = request;
  pipelines_only.kind = ScheduleKind::pipeline;
  const std::vector<size_t> order = rank_candidates(candidates, pipelines_only);
  for (size_t i : order)
    if (holds_floor(candidates[i], request)) return pipelines[i];
  return pipelines[order.at(0)];
}

Schedules weigh_schedules(const Planning& planning, const ScheduleOptions& o,
                          const std::vector<int>& given_cuts, FidelityMeter* meter,
                          bool with_hybrids) {
  const PlanProblem& problem = planning.problem;
  Schedules s;
  s.request = {problem.objective, parse_schedule_choice(o.schedule), o.min_sqnr_db};
  if (!given_cuts.empty()) {
    if (s.request.kind == ScheduleKind::data_parallel)
      fail(ErrorKind::invalid_input,
           "--split fixes a pipeline; it cannot be combined with --schedule data-parallel");
    s.request.kind = ScheduleKind::pipeline;
    s.pipelines.push_back(evaluate_plan(problem, given_cuts));
  } else if (problem.chain.size() == 2) {
    s.pipelines = rank_two_stage_splits(problem);
  } else {
    s.pipelines.push_back(best_chain_plan(problem));
  }
  for (const Plan& p : s.pipelines) s.candidates.push_back(pipeline_candidate(p));
  s.data_parallel = evaluate_data_parallel(problem);
  s.candidates.push_back(data_parallel_candidate(s.data_parallel));
  if (with_hybrids && given_cuts.empty()) s.hybrid = best_hybrid_plan(problem);
  if (s.hybrid) s.candidates.push_back(hybrid_candidate(*s.hybrid));

  auto measure = [&](size_t i) {
    Candidate& c = s.candidates[i];
    if (meter && !c.fidelity) c.fidelity = meter->of(c);
  };
  if (s.request.min_sqnr_db && !meter)
    fail(ErrorKind::invalid_input,
         "--min-sqnr measures fidelity by running the model here: it needs real elements and "
         "--planner search");
  const std::vector<size_t> order = rank_candidates(s.candidates, s.request);
  if (order.empty())
    fail(ErrorKind::invalid_input,
         with_hybrids ? "--schedule hybrid: no hybrid here; hybrids need three or more elements "
                        "on separate devices"
                      : "--schedule hybrid: `run` executes pipelines and data-parallel; "
                        "`splitinfer plan` prices hybrids");
  std::optional<size_t> chosen;
  for (size_t i : order) {
    measure(i);
    if (holds_floor(s.candidates[i], s.request)) {
      chosen = i;
      break;
    }
  }
  if (!chosen) {
    std::optional<size_t> best;  // the most faithful measured candidate
    for (size_t i : order)
      if (s.candidates[i].fidelity && (!best || s.candidates[i].fidelity->min_sqnr_db >
                                                    s.candidates[*best].fidelity->min_sqnr_db))
        best = i;
    fail(ErrorKind::invalid_input,
         "no schedule holds --min-sqnr " + db_text(*s.request.min_sqnr_db) + " dB" +
             (best ? ": the most faithful candidate (" +
                         std::string(schedule_kind_name(s.candidates[*best].kind)) + ") keeps " +
                         db_text(s.candidates[*best].fidelity->min_sqnr_db) + " dB"
                   : ": none of its kind has a measured fidelity"));
  }
  s.chosen = *chosen;
  measure(*s.best_of(ScheduleKind::data_parallel));
  measure(*s.best_of(ScheduleKind::pipeline));
  return s;
}

void measure_every_fidelity(Schedules& s, FidelityMeter& meter) {
  for (Candidate& c : s.candidates)
    if (!c.fidelity) c.fidelity = meter.of(c);
}

nlohmann::json candidate_json(const Candidate& c) {
  nlohmann::json j = {{"kind", schedule_kind_name(c.kind)},
                      {"period_ms", c.period_ms},
                      {"latency_ms", c.latency_ms}};
  if (c.kind != ScheduleKind::data_parallel) j["splits"] = c.cuts;
  if (c.kind == ScheduleKind::hybrid) j["group_ends"] = c.group_ends;
  j["fidelity_sqnr_db"] = c.fidelity ? nlohmann::json(c.fidelity->min_sqnr_db) : nullptr;
  if (c.fidelity) j["fidelity_top1_same"] = {c.fidelity->top1_same, c.fidelity->frames};
  return j;
}

}  // namespace splitinfer
