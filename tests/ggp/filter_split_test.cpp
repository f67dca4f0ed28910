// A layer's filters split over elements by the GGP loop, rounded and
// repaired, against exhaustive search over every integer split, on random
// layers and random posynomial models.
#include <gtest/gtest.h>

#include <random>

#include "ggp/filter_split.h"

namespace splitinfer::ggp {
namespace {

// A model like the ones `ggp fit` produces: a MAC term, an output term and a
// fixed cost, with per-element speeds.
Posynomial model(double per_mac_ns, double per_output_ns, double fixed_ms) {
  return Posynomial{{monomial(6, per_mac_ns * 1e-6, {{0, 1}, {1, 1}, {2, 1}, {3, 2}, {4, 1}, {5, -2}}),
                     monomial(6, per_output_ns * 1e-6, {{0, 1}, {1, 1}, {4, 1}, {5, -2}}),
                     monomial(6, fixed_ms)}};
}

TEST(FilterSplit, EqualElementsSplitEvenly) {
  const ConvLayer layer{28, 28, 64, 3, 64, 1};
  const LatencyModels models{model(0.5, 1.0, 0.01), model(0.5, 1.0, 0.01)};
  const FilterSplitResult r = solve_filter_split(layer, models);
  EXPECT_TRUE(r.relaxed.converged);
  EXPECT_EQ(r.split.filters, (std::vector<int64_t>{32, 32}));
}

TEST(FilterSplit, WithinOnePercentOfExhaustiveOnRandomLayers) {
  std::mt19937 rng(12);
  std::uniform_real_distribution<double> speed(0.2, 3.0), fixed(0.001, 0.3);
  int within = 0, total = 0;
  for (const ConvLayer& layer : random_conv_layers(60, 21)) {
    const size_t elements = 2 + static_cast<size_t>(total % 2);
    LatencyModels models;
    for (size_t d = 0; d < elements; ++d) models.push_back(model(speed(rng), speed(rng), fixed(rng)));
    const FilterSplitResult r = solve_filter_split(layer, models);
    const FilterSplit best = exhaustive_filter_split(layer, models);
    ++total;
    within += r.split.ms <= best.ms * 1.01;
    int64_t sum = 0;
    for (int64_t f : r.split.filters) sum += f;
    EXPECT_EQ(sum, layer.n);
  }
  RecordProperty("within_1_percent", std::to_string(within) + "/" + std::to_string(total));
  EXPECT_GE(within, total * 95 / 100) << within << " of " << total;
}

}  // namespace
}  // namespace splitinfer::ggp
