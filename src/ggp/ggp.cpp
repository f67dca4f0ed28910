#include "ggp/ggp.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace splitinfer::ggp {

namespace {

// scale / m(x), itself a monomial.
Monomial scaled_reciprocal(Monomial m, double scale) {
  m.coefficient = scale / m.coefficient;
  for (double& a : m.exponents) a = -a;
  return m;
}

}  // namespace

GgpResult solve_ggp(const GgpProblem& problem, const std::vector<double>& start,
                    const GgpOptions& o) {
  if (start.size() != problem.program.variables)
    fail(ErrorKind::invalid_input, "the start point has " + std::to_string(start.size()) +
                                       " values for " + std::to_string(problem.program.variables) +
                                       " variables");
  if (problem.equalities.empty() && problem.lower_bounds.empty())
    fail(ErrorKind::invalid_input,
         "a generalized GP without equalities or lower bounds is a GP: solve it with solve_gp");
  GgpResult result;
  std::vector<double> point = start;
  // Penalty weights scale with the objective so that alpha means the same
  // for programs in milliseconds or in seconds.
  std::vector<double> alpha(problem.equalities.size(),
                            o.initial_alpha * problem.program.objective(start));
  for (int iteration = 0; iteration < o.max_iterations; ++iteration) {
    GeometricProgram gp = problem.program;
    for (size_t k = 0; k < problem.equalities.size(); ++k) {
      const Posynomial& h = problem.equalities[k];
      gp.objective.terms.push_back(
          scaled_reciprocal(condense(h, point), alpha[k]));  // alpha / h_bar(x)
      gp.inequalities.push_back(h);                          // h(x) <= 1
    }
    for (const Posynomial& g : problem.lower_bounds)
      gp.inequalities.push_back(
          Posynomial{{scaled_reciprocal(condense(g, point), 1.0)}});  // 1 / g_bar(x) <= 1
    GpOptions gp_options = o.gp;
    if (iteration > 0 && gp_options.start.empty()) {
      // The last solution is strictly inside the same inequalities: start
      // there, and further along the central path, instead of at phase I.
      gp_options.start = point;
      gp_options.initial_t = o.warm_initial_t;
    }
    const GpSolution s = solve_gp(gp, gp_options);
    if (s.status != GpStatus::optimal)
      fail(ErrorKind::invalid_input,
           "the relaxed program is " + std::string(gp_status_name(s.status)));
    GgpStep step{alpha.empty() ? 0.0 : *std::max_element(alpha.begin(), alpha.end()), s.x,
                 problem.program.objective(s.x), 0.0, s.newton_steps};
    std::vector<double> gaps;
    for (const Posynomial& h : problem.equalities) gaps.push_back(std::abs(h(s.x) - 1.0));
    for (double gap : gaps) step.worst_equality_gap = std::max(step.worst_equality_gap, gap);
    // Condensed lower bounds hold at every step; they are settled once the
    // point they are condensed at stops moving.
    double moved = 0.0;
    if (!problem.lower_bounds.empty())
      for (size_t i = 0; i < s.x.size(); ++i)
        moved = std::max(moved, std::abs(std::log(s.x[i] / point[i])));
    result.trajectory.push_back(step);
    result.x = s.x;
    result.objective = step.objective;
    if (step.worst_equality_gap <= o.tolerance && moved <= o.tolerance) {
      result.converged = true;
      break;
    }
    point = s.x;
    for (size_t k = 0; k < alpha.size(); ++k)
      if (gaps[k] > o.tolerance) alpha[k] *= o.alpha_growth;
  }
  return result;
}

}  // namespace splitinfer::ggp
