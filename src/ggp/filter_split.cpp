#include "ggp/filter_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"

namespace splitinfer::ggp {

namespace {

constexpr size_t kFilterFeature = 4;  // N in ConvLayer::features()

// model(layer with N = n_d) as a monomial sum in the program's variables:
// the fixed features folded into the coefficients, N mapped to variable
// `index`.
Posynomial in_filters(const Posynomial& model, const ConvLayer& layer, size_t variables, size_t index) {
  const std::vector<double> features = layer.features();
  Posynomial p;
  for (const Monomial& t : model.terms) {
    Monomial m{t.coefficient, std::vector<double>(variables, 0.0)};
    for (size_t f = 0; f < features.size(); ++f)
      if (f == kFilterFeature) m.exponents[index] = t.exponents.at(f);
      else m.coefficient *= std::pow(features[f], t.exponents.at(f));
    p.terms.push_back(m);
  }
  return p;
}

double element_ms(const ConvLayer& layer, const Posynomial& model, int64_t filters) {
  if (filters == 0) return 0.0;
  ConvLayer part = layer;
  part.n = filters;
  return model(part.features());
}

}  // namespace

double split_ms(const ConvLayer& layer, const LatencyModels& models, const std::vector<int64_t>& filters) {
  double slowest = 0.0;
  for (size_t d = 0; d < models.size(); ++d) slowest = std::max(slowest, element_ms(layer, models[d], filters.at(d)));
  return slowest;
}

FilterSplitResult solve_filter_split(const ConvLayer& layer, const LatencyModels& models, const GgpOptions& o) {
  const size_t d_count = models.size();
  if (d_count < 1) fail(ErrorKind::invalid_input, "a split needs at least one element");
  // Variables: t, then N_1..N_D.
  GgpProblem p;
  p.program.variables = d_count + 1;
  p.program.objective = Posynomial{{monomial(d_count + 1, 1, {{0, 1}})}};
  Posynomial total;
  for (size_t d = 0; d < d_count; ++d) {
    p.program.inequalities.push_back(in_filters(models[d], layer, d_count + 1, d + 1) *
                                     monomial(d_count + 1, 1, {{0, -1}}));
    // N_d >= 0.01: GP variables are positive; an element rounded to no
    // filters at all is left to the repair step.
    p.program.inequalities.push_back(Posynomial{{monomial(d_count + 1, 0.01, {{d + 1, -1}})}});
    total = total + monomial(d_count + 1, 1.0 / static_cast<double>(layer.n), {{d + 1, 1}});
  }
  p.equalities = {total};
  // Start: the even split, t a little above its slowest element.
  std::vector<double> start(d_count + 1, static_cast<double>(layer.n) / static_cast<double>(d_count));
  std::vector<int64_t> even(d_count, layer.n / static_cast<int64_t>(d_count));
  even[0] += layer.n - std::accumulate(even.begin(), even.end(), int64_t{0});
  start[0] = 1.01 * std::max(split_ms(layer, models, even), 1e-9);
  FilterSplitResult r;
  r.relaxed = solve_ggp(p, start, o);

  // Round to whole filters summing to N, then move single filters (or whole
  // shares, emptying an element) while that lowers the slowest element.
  std::vector<int64_t> f(d_count);
  for (size_t d = 0; d < d_count; ++d) f[d] = std::max<int64_t>(0, std::llround(r.relaxed.x[d + 1]));
  int64_t excess = std::accumulate(f.begin(), f.end(), int64_t{0}) - layer.n;
  for (size_t d = 0; excess != 0; d = (d + 1) % d_count) {
    if (excess > 0 && f[d] > 0) { --f[d]; --excess; }
    else if (excess < 0) { ++f[d]; ++excess; }
  }
  double best = split_ms(layer, models, f);
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t from = 0; from < d_count; ++from)
      for (size_t to = 0; to < d_count; ++to) {
        if (from == to || f[from] == 0) continue;
        for (int64_t amount : {int64_t{1}, f[from]}) {
          std::vector<int64_t> g = f;
          g[from] -= amount;
          g[to] += amount;
          const double ms = split_ms(layer, models, g);
          if (ms < best - 1e-12) {
            f = g;
            best = ms;
            improved = true;
          }
        }
      }
  }
  r.split = {f, best};
  return r;
}

FilterSplit exhaustive_filter_split(const ConvLayer& layer, const LatencyModels& models) {
  const size_t d_count = models.size();
  if (d_count < 1 || d_count > 3) fail(ErrorKind::invalid_input, "exhaustive search takes 1 to 3 elements");
  FilterSplit best{{}, std::numeric_limits<double>::infinity()};
  const int64_t n = layer.n;
  for (int64_t a = 0; a <= n; ++a)
    for (int64_t b = 0; b <= (d_count >= 2 ? n - a : 0); ++b) {
      std::vector<int64_t> f{a};
      if (d_count >= 2) f.push_back(b);
      if (d_count == 3) f.push_back(n - a - b);
      if (std::accumulate(f.begin(), f.end(), int64_t{0}) != n) continue;
      const double ms = split_ms(layer, models, f);
      if (ms < best.ms) best = {f, ms};
    }
  return best;
}

}  // namespace splitinfer::ggp
