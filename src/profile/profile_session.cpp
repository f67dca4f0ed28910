#include "profile/profile_session.h"

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.h"
#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "graph/graph.h"
#include "profile/model_hash.h"

namespace splitinfer {

namespace {

RangeTiming range(int first, int last, const TimingStats& t) {
  return {first, last, t.median_ms, t.p10_ms, t.p90_ms, t.reps, "measured"};
}

// Elements profiled together meet after every measurement; whoever is done
// first keeps running its partition until the last arrives, so no element
// is timed on an idle machine while the others are busy. A failing element
// breaks the barrier so that nobody waits for it.
class BusyBarrier {
 public:
  explicit BusyBarrier(int participants) : participants_(participants) {}

  void arrive(const std::function<void()>& run_again) {
    int generation = 0;
    {
      std::lock_guard lock(mutex_);
      if (broken_) return;
      generation = generation_;
      if (++arrived_ == participants_) {
        arrived_ = 0;
        ++generation_;
        return;
      }
    }
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (broken_ || generation_ != generation) return;
      }
      run_again();
    }
  }

  void break_barrier() {
    std::lock_guard lock(mutex_);
    broken_ = true;
  }

 private:
  const int participants_;
  std::mutex mutex_;
  int arrived_ = 0;
  int generation_ = 0;
  bool broken_ = false;
};

ModelProfile measure_one(const Graph& graph, const ElementProfileJob& job,
                         const std::vector<float>& input, const ProfileOptions& options) {
  const auto backend = make_backend(job.element);
  enter_element(backend->element());
  ProfileOptions o = options;
  o.suffix_codes = job.suffix_codes;
  return profile_model(graph, *backend, job.calibration, input, o);
}

std::vector<float> input_or_noise(const Graph& graph, const std::vector<float>& input) {
  return input.empty() ? synthetic_calibration_inputs(graph, 1, 12345).front() : input;
}

// Runs `measure(i)` for every job on a thread of its own, all at once; the
// first failure is rethrown after every thread has ended, and breaks
// `barrier` so that nobody waits for the failed one.
void on_threads_together(size_t count, BusyBarrier& barrier,
                         const std::function<void(size_t)>& measure) {
  std::vector<std::exception_ptr> errors(count);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < count; ++i)
    threads.emplace_back([&, i] {
      try {
        measure(i);
      } catch (...) {
        errors[i] = std::current_exception();
        barrier.break_barrier();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// The store's key of `element`'s timing beside the other `elements`.
std::string partners_of(const std::vector<std::string>& elements, const std::string& element) {
  std::vector<std::string> partners;
  for (const std::string& other : elements)
    if (other != element) partners.push_back(other);
  return partners_key(partners);
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

bool has_beside_partners(const ProfileStore& store, const Graph& graph,
                         const std::vector<std::string>& elements, const std::string& machine) {
  const int n = static_cast<int>(graph.units.size());
  for (const std::string& e : elements)
    if (!store.find_beside({structure_hash(graph), graph.name, e, machine, n},
                           partners_of(elements, e)))
      return false;
  return true;
}

bool measurable_together(const std::vector<ElementProfileJob>& jobs) {
  std::set<int> cores;
  for (const auto& job : jobs) {
    const int core = parse_element(job.element).core;
    if (core < 0 || !cores.insert(core).second) return false;
  }
  return jobs.size() > 1;
}

void measure_into_store(const Graph& graph, const std::vector<ElementProfileJob>& jobs,
                        const std::vector<float>& input, const ProfileOptions& options,
                        ProfileStore& store, const std::string& machine) {
  const std::vector<float> x = input_or_noise(graph, input);
  std::vector<ModelProfile> profiles(jobs.size());
  BusyBarrier barrier(static_cast<int>(jobs.size()));
  std::mutex alone_mutex;
  const bool together = measurable_together(jobs);
  auto measure = [&](size_t i) {
    ProfileOptions o = options;
    if (together) {
      o.rendezvous = [&barrier](const std::function<void()>& run_again) {
        barrier.arrive(run_again);
      };
      // One at a time, the others idle, then all meet again.
      o.alone = [&](const std::function<TimingStats()>& measure) {
        TimingStats t;
        {
          std::lock_guard lock(alone_mutex);
          t = measure();
        }
        barrier.arrive([] { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
        return t;
      };
      o.suffix_first = i % 2 == 1;
    }
    profiles[i] = measure_one(graph, jobs[i], x, o);
  };
  if (together) on_threads_together(jobs.size(), barrier, measure);
  else
    for (size_t i = 0; i < jobs.size(); ++i) on_own_thread([&] { measure(i); });
  const int n = static_cast<int>(graph.units.size());
  for (size_t i = 0; i < jobs.size(); ++i)
    store.put({structure_hash(graph), graph.name, jobs[i].element, machine, n},
              profile_ranges(profiles[i], n));
}

void measure_beside_partners(const Graph& graph, const std::vector<ElementProfileJob>& jobs,
                             const std::vector<float>& input, const ProfileOptions& options,
                             ProfileStore& store, const std::string& machine) {
  if (!measurable_together(jobs))
    fail(ErrorKind::invalid_input,
         "timing the whole model beside partners needs two or more elements, each on a core "
         "of its own");
  const std::vector<float> x = input_or_noise(graph, input);
  const int n = static_cast<int>(graph.units.size());
  std::vector<TimingStats> times(jobs.size());
  BusyBarrier barrier(static_cast<int>(jobs.size()));
  on_threads_together(jobs.size(), barrier, [&](size_t i) {
    const auto backend = make_backend(jobs[i].element);
    enter_element(backend->element());
    const auto whole = backend->compile({&graph, 0, n, jobs[i].calibration});
    const Handoff frame = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape, x);
    const auto run = [&] { whole->run(frame); };
    if (options.progress) options.progress("whole model beside its partners");
    // Twice, the faster median kept, as for the whole model alone:
    // interference from outside only ever slows a run down.
    for (int round = 0; round < 2; ++round) {
      barrier.arrive(run);  // whoever is ready first runs until all are
      const TimingStats t = time_runs(run, options.warmup, options.reps);
      if (round == 0 || t.median_ms < times[i].median_ms) times[i] = t;
    }
    barrier.arrive(run);
  });
  std::vector<std::string> elements;
  for (const auto& job : jobs) elements.push_back(job.element);
  for (size_t i = 0; i < jobs.size(); ++i)
    store.put_beside({structure_hash(graph), graph.name, elements[i], machine, n},
                     partners_of(elements, elements[i]), range(0, n, times[i]));
}

}  // namespace splitinfer
