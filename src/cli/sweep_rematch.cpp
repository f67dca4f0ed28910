#include "cli/sweep_rematch.h"

#include <algorithm>

#include "common/alternate_rounds.h"
#include "common/statistics.h"

namespace splitinfer::cli {

Rematch rematch(const api::Model& model, const Contender& chosen, const Contender& best,
                const std::string& best_name, const SharedFrames& frames, int rounds) {
  Rematch r;
  r.best = best_name;
  const std::atomic<bool>* stop = chosen.options.stop;
  const auto stopped = [stop] { return stop && stop->load(); };
  // A run the stop cut short is no period of the schedule: it is left out,
  // and so is the other half of its round.
  auto measure = [&](const Contender& c, std::vector<double>& periods) {
    const PipelineMeasurement m = run_plan(model, c.plan, frames, c.options, nullptr);
    if (!m.result.stopped) periods.push_back(m.period_ms);
  };
  alternate_rounds(
      rounds, stopped, [&] { measure(chosen, r.chosen_ms); }, [&] { measure(best, r.best_ms); });
  const size_t complete = std::min(r.chosen_ms.size(), r.best_ms.size());
  r.chosen_ms.resize(complete);
  r.best_ms.resize(complete);
  std::vector<double> ratios;
  for (size_t i = 0; i < complete; ++i) ratios.push_back(r.chosen_ms[i] / r.best_ms[i]);
  if (!ratios.empty()) r.chosen_over_best = median(ratios);
  return r;
}

nlohmann::json rematch_json(const Rematch& r, int frames_per_round) {
  return {{"best", r.best},
          {"rounds", r.chosen_ms.size()},
          {"frames_per_round", frames_per_round},
          {"chosen_period_ms_measured", r.chosen_ms},
          {"best_period_ms_measured", r.best_ms},
          {"chosen_over_best_median", r.chosen_over_best},
          {"source", "measured"}};
}

}  // namespace splitinfer::cli
