#include "ggp/gp_solver.h"

// The programs are small and solved many times; Eigen's OpenMP products
// cost more in thread wake-ups (and spin against the elements' pinned
// threads) than they save.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Dense>
#include <cmath>
#include <functional>
#include <limits>

#include "common/error.h"

namespace splitinfer::ggp {

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// log(sum_k exp(a_k . y + b_k)): a posynomial in log space, over the
// variables its terms use (a partition program has many variables, each
// constraint few of them).
struct LogSumExp {
  std::vector<Eigen::Index> vars;  // the columns of y that a's columns stand for
  MatrixXd a;                      // one row per term, one column per entry of vars
  VectorXd b;

  VectorXd exponents(const VectorXd& y) const {
    VectorXd local(static_cast<Eigen::Index>(vars.size()));
    for (size_t i = 0; i < vars.size(); ++i) local(static_cast<Eigen::Index>(i)) = y(vars[i]);
    return a * local + b;
  }

  double value(const VectorXd& y) const {
    const VectorXd z = exponents(y);
    const double top = z.maxCoeff();
    return top + std::log((z.array() - top).exp().sum());
  }

  // Adds weight * (gradient, Hessian) and, for a barrier term,
  // outer * gradient gradient^T, into the full-size grad and hess.
  void add_derivatives(const VectorXd& y, double weight, double outer, VectorXd& grad,
                       MatrixXd& hess) const {
    const VectorXd z = exponents(y);
    VectorXd p = (z.array() - z.maxCoeff()).exp();
    p /= p.sum();
    const VectorXd g = a.transpose() * p;
    const MatrixXd h = weight * (a.transpose() * p.asDiagonal() * a - g * g.transpose()) +
                       outer * g * g.transpose();
    for (size_t i = 0; i < vars.size(); ++i) {
      const auto li = static_cast<Eigen::Index>(i);
      grad(vars[i]) += weight * g(li);
      for (size_t j = 0; j < vars.size(); ++j)
        hess(vars[i], vars[j]) += h(li, static_cast<Eigen::Index>(j));
    }
  }
};

LogSumExp log_sum_exp(const Posynomial& p, size_t n) {
  LogSumExp f;
  for (const Monomial& t : p.terms)
    if (t.exponents.size() != n)
      fail(ErrorKind::invalid_input, "a term has " + std::to_string(t.exponents.size()) +
                                         " exponents in a program of " + std::to_string(n) +
                                         " variables");
  for (size_t i = 0; i < n; ++i)
    for (const Monomial& t : p.terms)
      if (t.exponents[i] != 0.0) {
        f.vars.push_back(static_cast<Eigen::Index>(i));
        break;
      }
  f.a = MatrixXd::Zero(static_cast<Eigen::Index>(p.terms.size()),
                       static_cast<Eigen::Index>(f.vars.size()));
  f.b = VectorXd(static_cast<Eigen::Index>(p.terms.size()));
  for (size_t k = 0; k < p.terms.size(); ++k) {
    for (size_t i = 0; i < f.vars.size(); ++i)
      f.a(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(i)) =
          p.terms[k].exponents[static_cast<size_t>(f.vars[i])];
    f.b(static_cast<Eigen::Index>(k)) = std::log(p.terms[k].coefficient);
  }
  return f;
}

struct ConvexForm {
  LogSumExp objective;
  std::vector<LogSumExp> inequalities;
  MatrixXd eq_a;  // eq_a * y = eq_b
  VectorXd eq_b;
};

ConvexForm convex_form(const GeometricProgram& gp) {
  if (gp.objective.terms.empty()) fail(ErrorKind::invalid_input, "the objective has no terms");
  ConvexForm f{log_sum_exp(gp.objective, gp.variables),
               {},
               MatrixXd(gp.equalities.size(), gp.variables),
               VectorXd(gp.equalities.size())};
  for (const Posynomial& p : gp.inequalities)
    f.inequalities.push_back(log_sum_exp(p, gp.variables));
  for (size_t j = 0; j < gp.equalities.size(); ++j) {
    const Monomial& m = gp.equalities[j];
    if (m.exponents.size() != gp.variables)
      fail(ErrorKind::invalid_input, "an equality has the wrong number of exponents");
    for (size_t i = 0; i < gp.variables; ++i)
      f.eq_a(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) = m.exponents[i];
    f.eq_b(static_cast<Eigen::Index>(j)) = -std::log(m.coefficient);
  }
  return f;
}

double worst_inequality(const ConvexForm& f, const VectorXd& y) {
  double worst = -std::numeric_limits<double>::infinity();
  for (const LogSumExp& g : f.inequalities) worst = std::max(worst, g.value(y));
  return worst;
}

// Minimises t * f0(y) - sum log(-f_i(y)) subject to the equalities from a
// strictly feasible y, for t growing until the duality gap m / t is small.
// `good_enough` may stop early (phase I stops once it is feasible).
struct BarrierResult {
  VectorXd y;
  int steps = 0;
  bool unbounded = false;
  bool step_limit = false;
};

BarrierResult barrier(const ConvexForm& f, VectorXd y, const GpOptions& o,
                      const std::function<bool(const VectorXd&)>& good_enough) {
  const Eigen::Index n = y.size(), p = f.eq_a.rows();
  const double m = static_cast<double>(f.inequalities.size());
  BarrierResult r;
  auto phi = [&](const VectorXd& v, double t) {
    double value = t * f.objective.value(v);
    for (const LogSumExp& g : f.inequalities) {
      const double gv = g.value(v);
      if (!(gv < 0.0)) return std::numeric_limits<double>::infinity();
      value -= std::log(-gv);
    }
    return value;
  };
  for (double t = o.initial_t;; t *= o.barrier_growth) {
    for (;;) {  // Newton's method with equality constraints (KKT system)
      if (r.steps >= o.max_newton_steps) {
        r.step_limit = true;
        r.y = y;
        return r;
      }
      VectorXd grad = VectorXd::Zero(n);
      MatrixXd hess = MatrixXd::Zero(n, n);
      f.objective.add_derivatives(y, t, 0.0, grad, hess);
      for (const LogSumExp& g : f.inequalities) {
        const double gv = g.value(y);
        g.add_derivatives(y, 1.0 / -gv, 1.0 / (gv * gv), grad, hess);
      }
      hess += 1e-12 * MatrixXd::Identity(n, n);
      VectorXd step;
      if (p == 0) {
        step = hess.ldlt().solve(-grad);
      } else {
        MatrixXd kkt = MatrixXd::Zero(n + p, n + p);
        kkt.topLeftCorner(n, n) = hess;
        kkt.topRightCorner(n, p) = f.eq_a.transpose();
        kkt.bottomLeftCorner(p, n) = f.eq_a;
        VectorXd rhs = VectorXd::Zero(n + p);
        rhs.head(n) = -grad;
        step = kkt.fullPivLu().solve(rhs).head(n);
      }
      // A factor of e^10 per step at most: log-sum-exp curvature vanishes far
      // from the optimum, where a full Newton step would leap.
      if (step.cwiseAbs().maxCoeff() > 10.0) step *= 10.0 / step.cwiseAbs().maxCoeff();
      const double decrement = -grad.dot(step);
      ++r.steps;
      const double here = phi(y, t);
      // Centred once the predicted decrease is lost in the rounding of phi
      // itself (which grows with t).
      if (decrement / 2 <= 1e-12 * std::max(1.0, std::abs(here))) break;
      double s = 1.0;
      while (phi(y + s * step, t) > here - 0.25 * s * decrement && s > 1e-12) s *= 0.5;
      // No decrease even along a tiny step: y is as central as rounding
      // lets the Newton direction say.
      if (s <= 1e-12) break;
      y += s * step;
      if (y.cwiseAbs().maxCoeff() > 700) {  // x beyond e^700: no finite optimum
        r.unbounded = true;
        r.y = y;
        return r;
      }
      if (good_enough && good_enough(y)) {
        r.y = y;
        return r;
      }
    }
    if (good_enough && good_enough(y)) break;
    if (m / t < o.duality_gap) break;
  }
  r.y = y;
  return r;
}

// Phase I: minimise s subject to f_i(y) <= s, s >= -1, a box on y and the
// equalities, from the least-squares solution of the equalities; feasible
// once s < 0.
bool find_feasible(const ConvexForm& f, size_t n, VectorXd& y, int& steps, const GpOptions& o) {
  y = f.eq_a.rows() > 0 ? VectorXd(f.eq_a.completeOrthogonalDecomposition().solve(f.eq_b))
                        : VectorXd::Zero(static_cast<Eigen::Index>(n));
  if (f.eq_a.rows() > 0 && (f.eq_a * y - f.eq_b).norm() > 1e-9 * (1 + f.eq_b.norm())) return false;
  if (f.inequalities.empty() || worst_inequality(f, y) < -1e-9) return true;
  // Variables (y, s); the objective s is the log-sum-exp of one term.
  const Eigen::Index ni = static_cast<Eigen::Index>(n);
  // One term c * e^(sign * y_i): a LogSumExp over the single variable i.
  auto single = [](Eigen::Index i, double sign, double log_c) {
    return LogSumExp{{i}, MatrixXd::Constant(1, 1, sign), VectorXd::Constant(1, log_c)};
  };
  ConvexForm phase1{single(ni, 1.0, 0.0), {}, MatrixXd::Zero(f.eq_a.rows(), ni + 1), f.eq_b};
  phase1.eq_a.leftCols(ni) = f.eq_a;
  for (const LogSumExp& g : f.inequalities) {
    LogSumExp shifted = g;  // f_i(y) - s <= 0
    shifted.vars.push_back(ni);
    shifted.a.conservativeResize(g.a.rows(), g.a.cols() + 1);
    shifted.a.col(g.a.cols()).setConstant(-1.0);
    phase1.inequalities.push_back(shifted);
  }
  phase1.inequalities.push_back(single(ni, -1.0, -1.0));  // -1 - s <= 0
  // |y_i| <= 60 (x within e^-60..e^60): without a box the barrier keeps
  // pushing loose variables outward and phase I has no minimiser.
  for (Eigen::Index i = 0; i < ni; ++i)
    for (double sign : {1.0, -1.0}) phase1.inequalities.push_back(single(i, sign, -60.0));
  VectorXd z(ni + 1);
  z.head(ni) = y;
  z(ni) = worst_inequality(f, y) + 1.0;
  const BarrierResult r = barrier(
      phase1, z, o, [&](const VectorXd& v) { return worst_inequality(f, v.head(ni)) < -1e-7; });
  steps += r.steps;
  y = r.y.head(ni);
  return worst_inequality(f, y) < 0.0;
}

}  // namespace

std::string_view gp_status_name(GpStatus s) {
  switch (s) {
    case GpStatus::optimal: return "optimal";
    case GpStatus::infeasible: return "infeasible";
    case GpStatus::unbounded: return "unbounded";
    case GpStatus::step_limit: return "cut off at the Newton step limit";
  }
  return "?";
}

GpSolution solve_gp(const GeometricProgram& gp, const GpOptions& o) {
  const ConvexForm f = convex_form(gp);
  GpSolution s;
  VectorXd y(static_cast<Eigen::Index>(gp.variables));
  if (!o.start.empty()) {
    if (o.start.size() != gp.variables)
      fail(ErrorKind::invalid_input, "the start point has the wrong size");
    for (size_t i = 0; i < gp.variables; ++i)
      y(static_cast<Eigen::Index>(i)) = std::log(o.start[i]);
  } else if (!find_feasible(f, gp.variables, y, s.newton_steps, o)) {
    s.status = GpStatus::infeasible;
    return s;
  }
  const BarrierResult r = barrier(f, y, o, nullptr);
  s.newton_steps += r.steps;
  s.status = r.unbounded    ? GpStatus::unbounded
             : r.step_limit ? GpStatus::step_limit
                            : GpStatus::optimal;
  for (Eigen::Index i = 0; i < r.y.size(); ++i) s.x.push_back(std::exp(r.y(i)));
  s.objective = gp.objective(s.x);
  return s;
}

}  // namespace splitinfer::ggp
