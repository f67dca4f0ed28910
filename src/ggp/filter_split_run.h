// A convolution + ReLU split by output filters and executed for real: each
// element computes its filters on the whole input on a thread placed on it,
// all starting together, each writing its channels into the one output.
// Timed from the common start until the last element has written its
// channels, against the unsplit layer on the first element, and checked
// against the unsplit layer in float32: equal to float rounding when every
// element is float32, within the precision's error otherwise.
#pragma once

#include <string>
#include <vector>

#include "ggp/conv_layer.h"

namespace splitinfer::ggp {

struct FilterSplitRun {
  double split_ms = 0.0;            // median over the repetitions, measured
  double whole_ms = 0.0;            // the unsplit layer on elements[0], measured
  double max_relative_error = 0.0;  // max |split - whole in float32| / max |whole|
};

// `filters` per element (summing to the layer's N; an element with none
// sits out). Throws an invalid_input Error for a simulated element and for
// filters that do not add up.
FilterSplitRun run_filter_split(const ConvLayer& layer, const std::vector<std::string>& elements,
                                const std::vector<int64_t>& filters, int reps);

}  // namespace splitinfer::ggp
