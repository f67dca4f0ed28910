#include "profile/profile_session.h"

#include <atomic>
#include <exception>
#include <set>
#include <thread>

#include "exec/backend.h"
#include "graph/units.h"
#include "profile/model_hash.h"

namespace splitinfer {

namespace {

RangeTiming range(int first, int last, const TimingStats& t) {
  return {first, last, t.median_ms, t.p10_ms, t.p90_ms, t.reps, "measured"};
}

// Profiles one element; then, until every other element is done, keeps
// running the whole model so that the others are measured under the load a
// pipeline puts on the shared caches and memory.
ModelProfile measure_one(const Graph& graph, const ElementProfileJob& job,
                         const std::vector<float>& input, const ProfileOptions& options,
                         std::atomic<int>& unfinished) {
  const auto backend = make_backend(job.element);
  enter_element(backend->element());
  ModelProfile profile;
  try {
    profile = profile_model(graph, *backend, job.calibration, input, options);
  } catch (...) {
    --unfinished;
    throw;
  }
  --unfinished;
  const auto whole = backend->compile(
      {&graph, 0, static_cast<int>(split_units(graph).size()), job.calibration});
  const Handoff x = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape, input);
  while (unfinished > 0) whole->run(x);
  return profile;
}

}  // namespace

std::vector<RangeTiming> profile_ranges(const ModelProfile& p, int n) {
  std::vector<RangeTiming> rows;
  for (int i = 0; i < n; ++i) rows.push_back(range(i, i + 1, p.units[static_cast<size_t>(i)]));
  rows.push_back(range(0, n, p.whole));
  for (int i = 1; i < static_cast<int>(p.prefixes.size()); ++i) {
    rows.push_back(range(0, i, p.prefixes[static_cast<size_t>(i)]));
    rows.push_back(range(i, n, p.suffixes[static_cast<size_t>(i)]));
  }
  return rows;
}

bool has_complete_profile(const ProfileStore& store, const ProfileKey& key, int n, bool splits) {
  for (int i = 0; i < n; ++i)
    if (!store.find(key, i, i + 1)) return false;
  if (!store.find(key, 0, n)) return false;
  if (splits)
    for (int i = 1; i < n; ++i)
      if (!store.find(key, 0, i) || !store.find(key, i, n)) return false;
  return true;
}

void measure_into_store(const Graph& graph, const std::vector<ElementProfileJob>& jobs,
                        const std::vector<float>& input, const ProfileOptions& options,
                        ProfileStore& store, const std::string& machine) {
  const std::vector<float> x =
      input.empty() ? synthetic_calibration_inputs(graph, 1, 12345).front() : input;
  std::vector<ModelProfile> profiles(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::set<int> cores;
  bool distinct = true;
  for (const auto& job : jobs) distinct = cores.insert(parse_element(job.element).core).second && distinct;
  std::atomic<int> unfinished{static_cast<int>(jobs.size())};
  auto measure = [&](size_t i) {
    try {
      profiles[i] = measure_one(graph, jobs[i], x, options, unfinished);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (distinct && !cores.count(-1)) {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < jobs.size(); ++i) threads.emplace_back(measure, i);
    for (auto& t : threads) t.join();
  } else {
    for (size_t i = 0; i < jobs.size(); ++i) {
      unfinished = 1;
      std::thread(measure, i).join();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  const int n = static_cast<int>(split_units(graph).size());
  for (size_t i = 0; i < jobs.size(); ++i)
    store.put({structure_hash(graph), graph.name, jobs[i].element, machine, n},
              profile_ranges(profiles[i], n));
}

}  // namespace splitinfer
