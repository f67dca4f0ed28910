#include "workflow/planning.h"

#include <unistd.h>

#include <iostream>
#include <mutex>
#include <sstream>

#include "common/error.h"
#include "common/on_own_thread.h"
#include "devices/device_spec.h"
#include "devices/sim_cost.h"
#include "devices/sim_fit.h"
#include "exec/backend.h"
#include "graph/units.h"
#include "profile/machine_id.h"
#include "profile/model_hash.h"
#include "profile/profile_cost_source.h"
#include "profile/profile_session.h"
#include "runtime/queue_link.h"

namespace splitinfer {

namespace {

ElementProfileJob profile_job(const std::string& element, const Calibration* calibration) {
  return parse_element(element).precision == Precision::int8
             ? ElementProfileJob{element, calibration, nullptr}
             // Beside an INT8 element, a float one receives its codes.
             : ElementProfileJob{element, nullptr, calibration};
}

ProfileOptions profiling_options(const Graph& graph, const PlanningOptions& o) {
  ProfileOptions po;
  po.reps = o.reps;
  po.passes = o.passes;
  auto mutex = std::make_shared<std::mutex>();
  if (isatty(STDERR_FILENO))
    po.progress = [mutex, &graph](const std::string& what) {
      std::lock_guard lock(*mutex);
      std::cerr << "\rprofiling " << graph.name << ": " << what << "\033[K" << std::flush;
    };
  return po;
}

// Profiles the real elements whose profile (with every split) is missing.
std::vector<std::string> profile_missing(const Graph& graph, int n,
                                         const std::vector<std::string>& real,
                                         const PlanningOptions& o, ProfileStore& store,
                                         const Calibration* calibration) {
  std::vector<ElementProfileJob> jobs;
  for (const std::string& e : real) {
    const ProfileKey key{structure_hash(graph), graph.name, e, machine_id(), n};
    if (o.reprofile || !has_complete_profile(store, key, n, true))
      jobs.push_back(profile_job(e, calibration));
  }
  if (jobs.empty()) return {};
  const ProfileOptions po = profiling_options(graph, o);
  if (!po.progress)
    std::cerr << "profiling " << graph.name << " on " << jobs.size()
              << " element(s); stored for later runs\n";
  measure_into_store(graph, jobs, {}, po, store, machine_id());
  if (po.progress) std::cerr << "\r\033[K" << std::flush;
  std::vector<std::string> names;
  for (const auto& j : jobs) names.push_back(j.element);
  return names;
}

// Times the whole model on each element beside the others, which the
// data-parallel schedule's period needs, where the store lacks it for
// exactly these elements (or when profiling again).
void time_beside_partners_if_missing(const Graph& graph, const std::vector<std::string>& real,
                                     const PlanningOptions& o, ProfileStore& store,
                                     const Calibration* calibration) {
  std::vector<ElementProfileJob> jobs;
  for (const std::string& e : real) jobs.push_back(profile_job(e, calibration));
  if (!measurable_together(jobs) ||
      (!o.reprofile && has_beside_partners(store, graph, real, machine_id())))
    return;
  const ProfileOptions po = profiling_options(graph, o);
  measure_beside_partners(graph, jobs, {}, po, store, machine_id());
  if (po.progress) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace

Link measured_queue_link(const std::string& from, const std::string& to) {
  Link link;
  on_own_thread([&] { link = measure_queue_link(parse_element(from), parse_element(to)); });
  return link;
}

nlohmann::json links_json(const Planning& planning) {
  nlohmann::json links = nlohmann::json::array();
  for (const MeasuredLink& l : planning.links)
    links.push_back({{"from", l.from}, {"to", l.to}, {"latency_ms", l.link.latency_ms}});
  return links;
}

std::string devices_slug(std::string devices) {
  for (char& ch : devices)
    if (ch == ':' || ch == ',') ch = '-';
  return devices;
}

bool is_simulated_element(const std::string& name) { return name.rfind("sim:", 0) == 0; }

std::vector<std::string> comma_list(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

std::unique_ptr<Planning> prepare_planning(const Graph& graph, const PlanningOptions& o,
                                           int min_elements, int max_elements) {
  auto p = std::make_unique<Planning>();
  p->elements = comma_list(o.devices);
  const int k = static_cast<int>(p->elements.size());
  if (k < min_elements || k > max_elements)
    fail(ErrorKind::invalid_input,
         "--devices names " + std::to_string(k) + " element(s); give " +
             (min_elements == max_elements
                  ? std::to_string(min_elements)
                  : std::to_string(min_elements) + " to " + std::to_string(max_elements)) +
             ", comma-separated, e.g. cpu0:int8,cpu1:fp32");
  if (o.reps < 1) fail(ErrorKind::invalid_input, "--reps must be at least 1");
  if (o.passes < 1) fail(ErrorKind::invalid_input, "--passes must be at least 1");
  // Two simulated elements of one name are two devices of that kind; a real
  // element is one stream of work on its core, so naming it twice would plan
  // it against itself.
  for (size_t i = 0; i < p->elements.size(); ++i)
    for (size_t j = i + 1; j < p->elements.size(); ++j)
      if (p->elements[i] == p->elements[j] && !is_simulated_element(p->elements[i]))
        fail(ErrorKind::invalid_input,
             "--devices names " + p->elements[i] + " twice; name each real element once");
  const int n = static_cast<int>(graph.units.size());
  const SimModel sim_model = parse_sim_model(o.sim_model);
  // Fitted on first use: a plan of real elements alone never needs it.
  auto catalog = [&]() -> const DeviceCatalog& {
    return o.sim_catalog ? *o.sim_catalog : device_catalog(sim_model);
  };
  std::vector<std::string> real;
  bool any_int8 = false;
  for (const std::string& e : p->elements) {
    if (is_simulated_element(e)) {
      p->simulated = true;
      p->problem.chain.push_back({e, catalog().find_element(e).precision, ""});
      continue;
    }
    const Element element = make_backend(e)->element();  // checks it exists here
    any_int8 = any_int8 || element.precision == Precision::int8;
    p->problem.chain.push_back({e, element.precision, element.device});
    real.push_back(e);
  }
  // Everything the user typed is checked before anything is measured.
  if (!o.link.empty()) p->problem.link = to_link(catalog().find_link(o.link));
  else if (p->simulated) p->problem.link = to_link(catalog().find_link("pcie3x4"));
  p->problem.mode = parse_link_mode(o.link_mode);
  p->problem.objective = parse_objective(o.objective);
  p->store = std::make_unique<ProfileStore>(o.db.empty() ? ProfileStore::default_path() : o.db);
  p->calibration_options = o.calibration;
  if (any_int8)
    p->calibration = std::make_unique<Calibration>(calibration_for(graph, o.calibration));
  if (!real.empty())
    p->profiled_now = profile_missing(graph, n, real, o, *p->store, p->calibration.get());
  if (!p->simulated)
    time_beside_partners_if_missing(graph, real, o, *p->store, p->calibration.get());
  if (o.link.empty() && !p->simulated) {
    for (size_t i = 0; i < real.size(); ++i)
      for (size_t j = i + 1; j < real.size(); ++j) {
        p->links.push_back({real[i], real[j], measured_queue_link(real[i], real[j])});
        if (p->links.size() == 1 || p->links.back().link.latency_ms > p->problem.link.latency_ms)
          p->problem.link = p->links.back().link;
      }
  }
  p->costs = std::make_unique<CombinedCostSource>(n);
  p->costs->add(std::make_unique<ProfileCostSource>(*p->store, structure_hash(graph), graph.name, n,
                                                    machine_id()));
  if (p->simulated) {
    p->costs->add(std::make_unique<SimulatedCostSource>(graph, catalog()));
    p->sim_model = o.sim_catalog ? "given" : std::string(sim_model_name(sim_model));
  }

  p->problem.costs = p->costs.get();
  p->problem.cut_elements = cut_tensor_elements(graph);
  return p;
}

}  // namespace splitinfer
