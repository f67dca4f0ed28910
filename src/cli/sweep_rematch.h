// `run --sweep`: the sweep's fastest schedule measured again beside the
// chosen one. The fastest of many noisy measurements is biased low (of
// twenty equally fast splits, one measures faster than it is), so a choice
// judged against that minimum looks worse than it is. The two run here in
// alternating rounds, under the same load from the rest of the machine,
// and the median of the rounds' ratios says how they compare.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/plan_runs.h"

namespace splitinfer::cli {

struct Rematch {
  std::string best;               // the sweep's fastest: "split 6" or "data-parallel"
  std::vector<double> chosen_ms;  // measured period of each round
  std::vector<double> best_ms;
  double chosen_over_best = 0.0;  // the median of the rounds' ratios
};

// `rounds` rounds through `chosen` and `best` (common/alternate_rounds.h: the chosen one leads in
// the first). The chosen one's stop flag stops them after the run in flight; the rounds both
// finished are reported.
Rematch rematch(const api::Model& model, const Contender& chosen, const Contender& best,
                const std::string& best_name, const SharedFrames& frames, int rounds);

nlohmann::json rematch_json(const Rematch& r, int frames_per_round);

}  // namespace splitinfer::cli
