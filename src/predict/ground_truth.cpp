#include "predict/ground_truth.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/calibration_source.h"
#include "exec/element.h"
#include "graph/units.h"
#include "plan/plan.h"
#include "predict/random_cnn.h"
#include "profile/model_hash.h"
#include "profile/profile_cost_source.h"
#include "profile/profile_session.h"

namespace splitinfer::predict {

namespace {

// The structure alone names the model in the store and gives its features;
// weights are drawn only to measure it.
Graph shape_only_model(uint64_t seed) {
  RandomCnnOptions options;
  options.weights = false;
  return random_cnn(seed, options);
}

ProfileKey key_of(const Graph& graph, int unit_count, const std::string& element,
                  const std::string& machine) {
  return {structure_hash(graph), graph.name, element, machine, unit_count};
}

bool hands_off_int8(const std::string& element) {
  return parse_element(element).precision == Precision::int8;
}

// Timer noise is microseconds; 10 ns keeps the file small. Rounding is
// monotonic, so the best split stays a minimum of the rounded curves.
double to_10ns(double ms) { return std::round(ms * 1e5) / 1e5; }

// The first of `elements` on which the store lacks a complete profile of
// `graph` from `machine`; none when it has both.
std::optional<std::string> unprofiled_element(const ProfileStore& store, const Graph& graph,
                                              const std::string& machine,
                                              const ElementPair& elements) {
  const int n = static_cast<int>(graph.units.size());
  for (const std::string& element : elements)
    if (!has_complete_profile(store, key_of(graph, n, element, machine), n, true)) return element;
  return std::nullopt;
}

}  // namespace

bool has_ground_truth(const ProfileStore& store, uint64_t seed, const std::string& machine,
                      const ElementPair& elements) {
  return !unprofiled_element(store, shape_only_model(seed), machine, elements);
}

void measure_ground_truth(ProfileStore& store, uint64_t seed, const std::string& machine,
                          const ElementPair& elements, const ProfileOptions& options) {
  const Graph graph = random_cnn(seed);
  const Calibration calibration = obtain_calibration(graph, CalibrationSpec{});
  std::vector<ElementProfileJob> jobs;
  for (const std::string& element : elements)
    jobs.push_back({element, hands_off_int8(element) ? &calibration : nullptr});
  measure_into_store(graph, jobs, {}, options, store, machine);
}

ModelRecord ground_truth_record(const ProfileStore& store, uint64_t seed,
                                const std::string& machine, const ElementPair& elements,
                                const Link& link) {
  const Graph graph = shape_only_model(seed);
  if (const auto element = unprofiled_element(store, graph, machine, elements))
    fail(ErrorKind::invalid_input, "the profile store " + store.path() +
                                       " has no complete profile of " + graph.name + " on " +
                                       *element + " from this machine");
  const int n = static_cast<int>(graph.units.size());
  ModelRecord r;
  r.seed = seed;
  r.name = graph.name;
  r.model_hash = structure_hash(graph);
  r.units = n;
  r.reps = store.find(key_of(graph, n, elements[0], machine), 0, n)->reps;
  r.graph = unit_graph(graph);

  const ProfileCostSource costs(store, r.model_hash, r.name, n, machine);
  for (size_t e = 0; e < elements.size(); ++e)
    for (int i = 0; i < n; ++i)
      r.unit_ms[e].push_back(to_10ns(costs.stage(elements[e], i, i + 1).ms));

  PlanProblem problem;
  problem.costs = &costs;
  for (const std::string& element : elements)
    problem.chain.push_back({element, parse_element(element).precision, ""});
  problem.cut_elements = cut_tensor_elements(graph);
  problem.link = link;
  problem.mode = LinkMode::direct;
  for (int k = 0; k <= n; ++k) {
    const Plan plan = evaluate_plan(problem, {k});
    r.first_ms.push_back(to_10ns(plan.stages.at(0).compute_ms));
    r.second_ms.push_back(to_10ns(plan.stages.at(1).compute_ms));
    r.handoff_bytes.push_back(plan.stages.at(0).send_bytes);
    r.latency_ms.push_back(to_10ns(plan.latency_ms));
    r.period_ms.push_back(to_10ns(plan.period_ms));
  }
  problem.objective = Objective::latency;
  r.best_latency_split = best_plan(problem).cuts.at(0);
  problem.objective = Objective::throughput;
  r.best_throughput_split = best_plan(problem).cuts.at(0);
  return r;
}

Dataset assemble_dataset(const ProfileStore& store, uint64_t first_seed, int count,
                         const std::string& machine, const ElementPair& elements,
                         const Link& link) {
  Dataset d{elements, machine, link, {}};
  for (int i = 0; i < count; ++i)
    d.models.push_back(
        ground_truth_record(store, first_seed + static_cast<uint64_t>(i), machine, elements, link));
  return d;
}

}  // namespace splitinfer::predict
