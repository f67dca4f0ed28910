// The GP solver on programs whose optima are known in closed form, the
// condensation's two defining properties, and infeasible/unbounded programs.
#include "ggp/gp_solver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"

namespace splitinfer::ggp {
namespace {

Posynomial posy(std::initializer_list<Monomial> terms) { return Posynomial{terms}; }

void expect_relative(double got, double want, double tolerance = 1e-6) {
  EXPECT_LE(std::abs(got - want), tolerance * std::abs(want)) << got << " vs " << want;
}

TEST(GpSolver, MinimiseSumWithProductAtLeastOne) {
  // min x + y s.t. 1/(x y) <= 1: x = y = 1, objective 2.
  GeometricProgram gp;
  gp.variables = 2;
  gp.objective = posy({monomial(2, 1, {{0, 1}}), monomial(2, 1, {{1, 1}})});
  gp.inequalities = {posy({monomial(2, 1, {{0, -1}, {1, -1}})})};
  const GpSolution s = solve_gp(gp);
  ASSERT_EQ(s.status, GpStatus::optimal);
  expect_relative(s.objective, 2.0);
  expect_relative(s.x[0], 1.0, 1e-4);
  expect_relative(s.x[1], 1.0, 1e-4);
}

TEST(GpSolver, BoydTutorialBox) {
  // Boyd, Kim, Vandenberghe, Hassibi, "A tutorial on geometric programming",
  // Sec. 2.2: maximise h w d s.t. 2(h w + h d) <= A_wall, w d <= A_flr,
  // 0.5 <= h/w <= 2, 0.5 <= d/w <= 2. With A_wall = 200, A_flr = 50 the
  // optimum has w = d = h = sqrt(50) and volume 50^1.5 (for fixed w d = P
  // and w + d = S >= 2 sqrt(P), h <= 100/S, so h w d <= 50 sqrt(P) <= 50^1.5).
  GeometricProgram gp;
  gp.variables = 3;                                                    // h, w, d
  gp.objective = posy({monomial(3, 1, {{0, -1}, {1, -1}, {2, -1}})});  // 1 / (h w d)
  gp.inequalities = {
      posy({monomial(3, 2.0 / 200, {{0, 1}, {1, 1}}), monomial(3, 2.0 / 200, {{0, 1}, {2, 1}})}),
      posy({monomial(3, 1.0 / 50, {{1, 1}, {2, 1}})}),
      posy({monomial(3, 0.5, {{0, -1}, {1, 1}})}),  // 0.5 w / h <= 1
      posy({monomial(3, 0.5, {{0, 1}, {1, -1}})}),  // h / (2 w) <= 1
      posy({monomial(3, 0.5, {{2, -1}, {1, 1}})}),
      posy({monomial(3, 0.5, {{2, 1}, {1, -1}})}),
  };
  const GpSolution s = solve_gp(gp);
  ASSERT_EQ(s.status, GpStatus::optimal);
  expect_relative(1.0 / s.objective, std::pow(50.0, 1.5));
}

TEST(GpSolver, MonomialEqualities) {
  // min x + y s.t. x y = 4: x = y = 2. And min x/y + y s.t. x = 2:
  // y = sqrt(2), objective 2 sqrt(2).
  GeometricProgram a;
  a.variables = 2;
  a.objective = posy({monomial(2, 1, {{0, 1}}), monomial(2, 1, {{1, 1}})});
  a.equalities = {monomial(2, 0.25, {{0, 1}, {1, 1}})};
  const GpSolution sa = solve_gp(a);
  ASSERT_EQ(sa.status, GpStatus::optimal);
  expect_relative(sa.objective, 4.0);
  GeometricProgram b;
  b.variables = 2;
  b.objective = posy({monomial(2, 1, {{0, 1}, {1, -1}}), monomial(2, 1, {{1, 1}})});
  b.equalities = {monomial(2, 0.5, {{0, 1}})};
  b.inequalities = {posy({monomial(2, 0.1, {{1, 1}})})};  // y <= 10, inactive
  const GpSolution sb = solve_gp(b);
  ASSERT_EQ(sb.status, GpStatus::optimal);
  expect_relative(sb.objective, 2.0 * std::sqrt(2.0));
  expect_relative(sb.x[0], 2.0, 1e-9);
}

TEST(GpSolver, InfeasibleAndUnboundedAreReported) {
  GeometricProgram gp;
  gp.variables = 1;
  gp.objective = posy({monomial(1, 1, {{0, 1}})});
  gp.inequalities = {posy({monomial(1, 1, {{0, 1}})}),    // x <= 1
                     posy({monomial(1, 2, {{0, -1}})})};  // x >= 2
  EXPECT_EQ(solve_gp(gp).status, GpStatus::infeasible);
  GeometricProgram open;
  open.variables = 1;
  open.objective = posy({monomial(1, 1, {{0, 1}})});  // min x, x > 0: no minimiser
  EXPECT_EQ(solve_gp(open).status, GpStatus::unbounded);
  GeometricProgram bad;
  bad.variables = 2;
  bad.objective = posy({monomial(1, 1, {{0, 1}})});
  EXPECT_THROW(solve_gp(bad), Error);
}

TEST(Condensation, TouchesAtThePointAndLiesBelowElsewhere) {
  const Posynomial p = posy({monomial(3, 2.0, {{0, 1}}), monomial(3, 0.5, {{1, 2}, {2, -1}}),
                             monomial(3, 3.0, {{2, 1}})});
  const std::vector<double> x0{1.5, 0.7, 2.0};
  const Monomial m = condense(p, x0);
  expect_relative(m(x0), p(x0), 1e-12);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0.05, 20.0);
  for (int i = 0; i < 1000; ++i) {
    const std::vector<double> x{u(rng), u(rng), u(rng)};
    EXPECT_LE(m(x), p(x) * (1 + 1e-12));
  }
  // Hand-computed for x + y at (1, 3): weights 1/4, 3/4; (4x)^(1/4) (4y/3)^(3/4).
  const Monomial c = condense(posy({monomial(2, 1, {{0, 1}}), monomial(2, 1, {{1, 1}})}), {1, 3});
  expect_relative(c.coefficient, std::pow(4.0, 0.25) * std::pow(4.0 / 3.0, 0.75), 1e-12);
  EXPECT_DOUBLE_EQ(c.exponents[0], 0.25);
  EXPECT_DOUBLE_EQ(c.exponents[1], 0.75);
}

}  // namespace
}  // namespace splitinfer::ggp
