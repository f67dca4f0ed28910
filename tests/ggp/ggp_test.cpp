// The condensation-and-penalty loop on a channel split with a closed-form
// optimum: two elements working concurrently on C1 + C2 = C channels at
// k1 and k2 ms per channel finish together at C1 = C k2 / (k1 + k2).
#include "ggp/ggp.h"

#include <gtest/gtest.h>

#include <cmath>

namespace splitinfer::ggp {
namespace {

TEST(Ggp, ConcurrentChannelSplitMatchesTheClosedForm) {
  const double k1 = 0.3, k2 = 0.9, channels = 64;
  // Variables: t, C1, C2. minimise t s.t. k1 C1 / t <= 1, k2 C2 / t <= 1,
  // (C1 + C2) / C == 1.
  GgpProblem p;
  p.program.variables = 3;
  p.program.objective = Posynomial{{monomial(3, 1, {{0, 1}})}};
  p.program.inequalities = {Posynomial{{monomial(3, k1, {{1, 1}, {0, -1}})}},
                            Posynomial{{monomial(3, k2, {{2, 1}, {0, -1}})}}};
  p.equalities = {
      Posynomial{{monomial(3, 1 / channels, {{1, 1}}), monomial(3, 1 / channels, {{2, 1}})}}};
  // Start from the even split, which meets the equality, t just feasible.
  const GgpResult r = solve_ggp(p, {k2 * channels / 2 * 1.01, channels / 2, channels / 2});
  ASSERT_TRUE(r.converged);
  const double c1 = channels * k2 / (k1 + k2);
  EXPECT_NEAR(r.x[1], c1, 0.1);
  EXPECT_NEAR(r.x[2], channels - c1, 0.1);
  EXPECT_NEAR(r.objective, channels * k1 * k2 / (k1 + k2), 0.05);
  // Tightening: alpha grows along the trajectory and only the last step
  // meets the equality.
  ASSERT_GE(r.trajectory.size(), 2u);
  for (size_t i = 1; i < r.trajectory.size(); ++i) {
    EXPECT_GT(r.trajectory[i].alpha, r.trajectory[i - 1].alpha);
    EXPECT_GT(r.trajectory[i - 1].worst_equality_gap, 1e-3);
  }
  EXPECT_LE(r.trajectory.back().worst_equality_gap, 1e-3);
}

// A lower bound (x + y >= 2, a posynomial >= 1 that GP does not allow) is
// condensed at the current point each step: minimise x with y <= 0.5 gives
// x = 1.5, reached from a start far from it.
TEST(Ggp, CondensedLowerBoundReachesTheTrueOptimum) {
  GgpProblem p;
  p.program.variables = 2;
  p.program.objective = Posynomial{{monomial(2, 1, {{0, 1}})}};
  p.program.inequalities = {Posynomial{{monomial(2, 2, {{1, 1}})}}};  // y <= 0.5
  p.lower_bounds = {Posynomial{{monomial(2, 0.5, {{0, 1}}), monomial(2, 0.5, {{1, 1}})}}};
  const GgpResult r = solve_ggp(p, {5.0, 0.1});
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 1.5, 1.5e-3);
  EXPECT_GE(r.x[0] + r.x[1], 2.0 - 1e-9);  // every step is feasible for the true constraint
  EXPECT_GT(r.trajectory.size(), 1u);
}

}  // namespace
}  // namespace splitinfer::ggp
