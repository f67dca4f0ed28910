// Throughput against fidelity: every schedule a planner weighed for one
// model and chain, as a table and an SVG scatter, with the schedules no
// other beats on both (the Pareto frontier) marked. The split-inference
// paper's trade-off: a split keeps part of the model in floating point.
#pragma once

#include <string>
#include <vector>

#include "plan/schedule.h"
#include "report/svg_plot.h"

namespace splitinfer {

// Whether each candidate is on the frontier: no other has a period at most
// as long and a fidelity at least as high, one of them strictly. Every
// candidate must have its fidelity measured.
std::vector<bool> pareto_frontier(const std::vector<Candidate>& candidates);

// Fidelities above this are drawn at it, so that bit-exact schedules (200 dB)
// do not squeeze the others into a corner.
inline constexpr double kFrontierPlotCeilingDb = 100.0;

// `what` says where the periods come from ("predicted from measured
// profiles").
std::string frontier_markdown(const std::string& model, const std::string& devices,
                              const std::vector<Candidate>& candidates, size_t chosen,
                              const std::string& what);
LineChart frontier_chart(const std::string& model, const std::string& devices,
                         const std::vector<Candidate>& candidates, const std::string& what);

}  // namespace splitinfer
