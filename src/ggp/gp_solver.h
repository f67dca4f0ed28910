// A geometric program solver (Eq. 3 of the GGP paper):
//   minimize    f0(x)
//   subject to  f_i(x) <= 1   (posynomials)
//               g_j(x)  = 1   (monomials)
// solved in its convex form: with y = log x every posynomial becomes a
// log-sum-exp of affine functions of y and every monomial equality an affine
// equality, and a barrier (interior-point) method runs Newton steps on
// t * f0 - sum log(-f_i) along the central path. A phase I GP finds a
// strictly feasible start.
#pragma once

#include <string_view>
#include <vector>

#include "ggp/posynomial.h"

namespace splitinfer::ggp {

struct GeometricProgram {
  size_t variables = 0;
  Posynomial objective;
  std::vector<Posynomial> inequalities;  // each <= 1
  std::vector<Monomial> equalities;      // each == 1
};

struct GpOptions {
  double duality_gap = 1e-8;  // stop when (number of inequalities) / t is below this
  double barrier_growth = 20.0;
  double initial_t = 1.0;  // larger from a start close to the optimum (a warm start)
  int max_newton_steps = 500;
  std::vector<double> start;  // a strictly feasible x, if known (skips phase I)
};

// step_limit: max_newton_steps ran out before the duality gap closed.
enum class GpStatus { optimal, infeasible, unbounded, step_limit };
std::string_view gp_status_name(GpStatus s);

struct GpSolution {
  GpStatus status = GpStatus::optimal;
  std::vector<double> x;
  double objective = 0.0;
  int newton_steps = 0;  // phase I included
};

// Throws an invalid_input Error for malformed programs (a term with the wrong
// number of exponents, no objective terms).
GpSolution solve_gp(const GeometricProgram& program, const GpOptions& options = {});

}  // namespace splitinfer::ggp
