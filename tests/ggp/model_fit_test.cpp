// Latency-model fitting on data generated from known models: the fits must
// recover them, and the error measure must match a hand computation.
#include "ggp/model_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.h"

namespace splitinfer::ggp {
namespace {

std::vector<Sample> samples_of(const std::function<double(const std::vector<double>&)>& f,
                               int count) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(1.0, 64.0);
  std::vector<Sample> s;
  for (int i = 0; i < count; ++i) {
    std::vector<double> x{u(rng), u(rng), u(rng)};
    s.push_back({x, f(x)});
  }
  return s;
}

TEST(ModelFit, MonomialIsRecoveredFromExactData) {
  const auto data =
      samples_of([](const auto& x) { return 0.002 * x[0] * std::sqrt(x[1]) / x[2]; }, 30);
  const Monomial m = fit_monomial(data);
  EXPECT_NEAR(m.coefficient, 0.002, 1e-9);
  EXPECT_NEAR(m.exponents[0], 1.0, 1e-9);
  EXPECT_NEAR(m.exponents[1], 0.5, 1e-9);
  EXPECT_NEAR(m.exponents[2], -1.0, 1e-9);
}

TEST(ModelFit, PosynomialIsRecoveredAndUnusedTermsDropped) {
  // 0.5 x0 x1 + 3 from the basis {x0 x1, x0 x2^2, 1}.
  const auto data = samples_of([](const auto& x) { return 0.5 * x[0] * x[1] + 3.0; }, 40);
  const std::vector<Monomial> basis{monomial(3, 1, {{0, 1}, {1, 1}}),
                                    monomial(3, 1, {{0, 1}, {2, 2}}), monomial(3, 1)};
  const Posynomial p = fit_posynomial(data, basis);
  ASSERT_EQ(p.terms.size(), 2u);
  EXPECT_NEAR(p.terms[0].coefficient, 0.5, 1e-9);
  EXPECT_NEAR(p.terms[1].coefficient, 3.0, 1e-9);
  EXPECT_LT(mape_percent(data, [&](const auto& x) { return p(x); }), 1e-9);
}

TEST(ModelFit, NnlsClampsNegativeWeights) {
  const std::vector<double> w = nnls({{1, 0}, {0, 1}}, {1, -2});
  EXPECT_NEAR(w[0], 1.0, 1e-12);
  EXPECT_EQ(w[1], 0.0);
  // Overdetermined: min |w - 2|^2 + |2w - 2|^2 at w = 6/5.
  EXPECT_NEAR(nnls({{1}, {2}}, {2, 2})[0], 1.2, 1e-12);
}

TEST(ModelFit, MapeAndBadSamples) {
  const std::vector<Sample> s{{{1.0}, 100.0}, {{2.0}, 100.0}};
  EXPECT_DOUBLE_EQ(mape_percent(s, [](const auto& x) { return x[0] == 1.0 ? 110.0 : 90.0; }), 10.0);
  EXPECT_THROW(fit_monomial({{{1.0}, 1.0}}), Error);                 // too few
  EXPECT_THROW(fit_monomial({{{1.0}, 1.0}, {{-2.0}, 1.0}}), Error);  // non-positive feature
}

}  // namespace
}  // namespace splitinfer::ggp
