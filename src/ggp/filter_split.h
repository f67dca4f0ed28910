// One convolution layer split by output filters over several elements that
// work at the same time (N = N_1 + ... + N_D, each element computing its
// filters on the whole input): minimise the time t by which all are done,
// subject to LAT_d(layer with N_d filters) <= t. The equality on the filter
// counts is what makes it a generalized GP; it is solved with the
// condensation-penalty loop, rounded to whole filters and repaired by local
// moves, and can be checked against exhaustive search over every integer
// split.
#pragma once

#include <vector>

#include "ggp/conv_excitation.h"
#include "ggp/ggp.h"

namespace splitinfer::ggp {

struct FilterSplit {
  std::vector<int64_t> filters;  // per element, summing to the layer's N
  double ms = 0.0;               // the slowest element's modelled latency
};

// Per element: latency in ms of the layer given its filter count (features
// as in ConvLayer::features()), a posynomial from `ggp fit` or a spec.
using LatencyModels = std::vector<Posynomial>;

// Modelled time of a split: the slowest element; an element with no
// filters takes no time.
double split_ms(const ConvLayer& layer, const LatencyModels& models, const std::vector<int64_t>& filters);

struct FilterSplitResult {
  FilterSplit split;        // rounded and repaired
  GgpResult relaxed;        // the continuous solution and its alpha trajectory
};

FilterSplitResult solve_filter_split(const ConvLayer& layer, const LatencyModels& models,
                                     const GgpOptions& options = {});

// Every integer split (D <= 3), the best by split_ms.
FilterSplit exhaustive_filter_split(const ConvLayer& layer, const LatencyModels& models);

}  // namespace splitinfer::ggp
