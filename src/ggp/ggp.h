// Generalized geometric programs: a GP plus posynomial equality constraints
// h_k(x) = 1 (e.g. C_cpu + C_gpu + C_fpga = C, written as a posynomial over
// C equal to 1), which GP does not allow. Following Sec. 4.2 of the GGP paper
// each equality is relaxed to h_k(x) <= 1 and its condensation h_bar_k
// around the current point enters the objective as the penalty
// alpha_k / h_bar_k(x) (Eq. 5-6), which pushes h_k back up to 1. Each step is
// a GP; the condensation point moves to the last solution and each
// equality's alpha is tightened until that equality holds within a
// tolerance (Sec. 5.2: all weights grow together, each stops once its own
// constraint is met).
#pragma once

#include <vector>

#include "ggp/gp_solver.h"

namespace splitinfer::ggp {

struct GgpProblem {
  GeometricProgram program;  // objective and inequalities; no equalities of its own needed
  std::vector<Posynomial> equalities;  // each == 1
  // Each >= 1, which GP does not allow either: replaced in every step by
  // its condensation m at the current point, 1 / m <= 1. As m lies below the
  // posynomial, that is stricter than the constraint, and touches it at the
  // point (the standard signomial step).
  std::vector<Posynomial> lower_bounds;
};

struct GgpOptions {
  double initial_alpha = 1e-3;  // relative to the objective at the start point
  double alpha_growth = 2.0;
  double tolerance = 1e-3;  // |h_k(x) - 1| accepted
  int max_iterations = 60;
  double warm_initial_t = 1e3;  // barrier weight when a GP starts from the last one's solution
  GpOptions gp;
};

struct GgpStep {
  double alpha = 0.0;  // the largest penalty weight of the step
  std::vector<double> x;
  double objective = 0.0;  // f0(x), without the penalty
  double worst_equality_gap = 0.0;
  int newton_steps = 0;
};

struct GgpResult {
  bool converged = false;
  std::vector<double> x;
  double objective = 0.0;
  std::vector<GgpStep> trajectory;  // one entry per GP solved
};

// `start` is the first condensation point, e.g. an even split that meets
// the equalities.
GgpResult solve_ggp(const GgpProblem& problem, const std::vector<double>& start,
                    const GgpOptions& options = {});

}  // namespace splitinfer::ggp
