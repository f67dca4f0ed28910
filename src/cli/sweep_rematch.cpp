#include "cli/sweep_rematch.h"

#include "common/statistics.h"

namespace splitinfer::cli {

Rematch rematch(const api::Model& model, const Contender& chosen, const Contender& best,
                const std::string& best_name, const SharedFrames& frames, int rounds) {
  Rematch r;
  r.best = best_name;
  std::vector<double> ratios;
  auto period = [&](const Contender& c) {
    return run_plan(model, c.plan, frames, c.options, nullptr).period_ms;
  };
  const std::atomic<bool>* stop = chosen.options.stop;
  for (int round = 0; round < rounds && !(stop && stop->load()); ++round) {
    const bool best_first = round % 2 == 1;
    double best_ms = best_first ? period(best) : 0.0;
    const double chosen_ms = period(chosen);
    if (!best_first) best_ms = period(best);
    r.chosen_ms.push_back(chosen_ms);
    r.best_ms.push_back(best_ms);
    ratios.push_back(chosen_ms / best_ms);
  }
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
