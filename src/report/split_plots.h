// The plots of the split-inference paper's Figures 5-7 for one model and one
// planning problem: the two stage latencies across split indices with the
// chosen split marked, the transfer latency per split index over the link,
// and the bytes handed over per split index.
#pragma once

#include <string>

#include "plan/plan.h"
#include "report/svg_plot.h"

namespace splitinfer {

// `label` says what the figures are ("measured", "simulated").
LineChart stage_latency_chart(const std::string& model, const PlanProblem& problem,
                              int chosen_split, const std::string& label);
LineChart transfer_latency_chart(const std::string& model, const PlanProblem& problem);
LineChart handoff_bytes_chart(const std::string& model, const PlanProblem& problem);

}  // namespace splitinfer
