// What the predictors learn from a dataset record, per unit, and how a split
// index follows from what they predict. The latency models learn the
// cumulative curves the paper plots in Figures 8 and 9; the partition model
// learns which element runs each unit at the best split.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.h"
#include "predict/dataset.h"

namespace splitinfer::predict {

// Unit i: units [0, i] as one partition on the first element (first_ms[i + 1]).
std::vector<double> first_element_curve(const ModelRecord& record);

// Unit i: units [i, N) as one partition on the second element (second_ms[i]).
std::vector<double> second_element_curve(const ModelRecord& record);

// Times of units alone summed into a curve of the same kind: element 0,
// units [0, i] (as first_element_curve); element 1, units [i, N).
std::vector<double> accumulated_curve(const std::vector<double>& unit_ms, size_t element);

// Unit i: 1 when the best split for `objective` runs it on the first element.
std::vector<double> first_element_labels(const ModelRecord& record, Objective objective);

// Unit i: the probability that the first element runs it when a split is
// drawn with weight exp(-(objective / best objective - 1) / tolerance): splits
// within a few `tolerance`s of the best count almost as much as the best,
// which measurements that repeat to within several percent cannot tell apart.
// A tolerance of 0 gives first_element_labels.
std::vector<double> first_element_soft_labels(const ModelRecord& record, Objective objective,
                                              double tolerance);

// The record's best split and its true objective at every split index.
int best_split(const ModelRecord& record, Objective objective);
const std::vector<double>& objective_curve(const ModelRecord& record, Objective objective);

// Elements of the tensor crossing each cut 0..N, recovered from the hand-off
// bytes (the INT8 codes plus their header); 0 at the two ends, where nothing
// crosses.
std::vector<int64_t> cut_elements(const ModelRecord& record);

// The most likely split given per-unit probabilities that the first element
// runs the unit: the k maximising sum log p[i < k] + sum log(1 - p[i >= k]).
// With a predicted objective (period or latency) at every cut k = 0..N, the
// k maximising that sum minus objective_weight * log(objective[k] / its
// minimum): with a weight of 50, a cut predicted 2% slower than another must
// be e times likelier by the probabilities to be chosen instead. Throws an
// invalid_input Error for a probability outside [0, 1], an objective that is
// not N + 1 positive times, or a negative weight.
int split_from_probabilities(const std::vector<double>& first_element_probability,
                             const std::vector<double>& objective_ms = {},
                             double objective_weight = 0.0);

}  // namespace splitinfer::predict
