#include "ggp/ggp.h"

#include <cmath>

#include "common/error.h"

namespace splitinfer::ggp {

GgpResult solve_ggp(const GgpProblem& problem, const std::vector<double>& start, const GgpOptions& o) {
  if (start.size() != problem.program.variables)
    fail(ErrorKind::invalid_input, "the start point has " + std::to_string(start.size()) +
                                       " values for " + std::to_string(problem.program.variables) +
                                       " variables");
  GgpResult result;
  std::vector<double> point = start;
  // Penalty weights scale with the objective so that alpha means the same
  // for programs in milliseconds or in seconds.
  double alpha = o.initial_alpha * problem.program.objective(start);
  for (int iteration = 0; iteration < o.max_iterations; ++iteration) {
    GeometricProgram gp = problem.program;
    for (const Posynomial& h : problem.equalities) {
      Monomial inverse = condense(h, point);
      inverse.coefficient = alpha / inverse.coefficient;
      for (double& a : inverse.exponents) a = -a;
      gp.objective.terms.push_back(inverse);  // alpha / h_bar(x)
      gp.inequalities.push_back(h);           // h(x) <= 1
    }
    const GpSolution s = solve_gp(gp, o.gp);
    if (s.status != GpStatus::optimal)
      fail(ErrorKind::invalid_input, std::string("the relaxed program is ") +
                                         (s.status == GpStatus::infeasible ? "infeasible" : "unbounded"));
    GgpStep step{alpha, s.x, problem.program.objective(s.x), 0.0, s.newton_steps};
    for (const Posynomial& h : problem.equalities)
      step.worst_equality_gap = std::max(step.worst_equality_gap, std::abs(h(s.x) - 1.0));
    result.trajectory.push_back(step);
    result.x = s.x;
    result.objective = step.objective;
    if (step.worst_equality_gap <= o.tolerance) {
      result.converged = true;
      break;
    }
    point = s.x;
    alpha *= o.alpha_growth;
  }
  return result;
}

}  // namespace splitinfer::ggp
