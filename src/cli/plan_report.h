// Printing a plan: the text table and the JSON of `plan` and `run`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"
#include "plan/plan.h"

namespace splitinfer::cli {

// Each element's whole-model time from the cost source, in chain order.
std::vector<std::pair<std::string, double>> alone_ms(const PlanProblem& problem);

nlohmann::json plan_json(const Plan& plan, const PlanProblem& problem,
                         const std::vector<Unit>& units);

void print_plan(std::ostream& out, const Plan& plan, const PlanProblem& problem,
                const std::vector<Unit>& units);

std::string_view basis_word(CostBasis basis);  // "measured", "simulated", ...

}  // namespace splitinfer::cli
