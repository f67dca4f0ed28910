#include "predict/curve_cost_source.h"

#include <cmath>

#include "common/error.h"

namespace splitinfer::predict {

CurveCostSource::CurveCostSource(std::string first, std::vector<double> first_curve,
                                 std::string second, std::vector<double> second_curve,
                                 CostBasis basis)
    : first_(std::move(first)),
      second_(std::move(second)),
      first_curve_(std::move(first_curve)),
      second_curve_(std::move(second_curve)),
      basis_(basis) {
  if (first_curve_.empty() || first_curve_.size() != second_curve_.size())
    fail(ErrorKind::invalid_input, "latency curves of " + std::to_string(first_curve_.size()) +
                                       " and " + std::to_string(second_curve_.size()) +
                                       " units cannot price a split");
  for (const auto* curve : {&first_curve_, &second_curve_})
    for (double ms : *curve)
      if (!(ms >= 0.0) || !std::isfinite(ms))
        fail(ErrorKind::invalid_input, "a latency curve holds " + std::to_string(ms) + " ms");
}

bool CurveCostSource::knows(const std::string& element) const {
  return element == first_ || element == second_;
}

StageEstimate CurveCostSource::stage(const std::string& element, int first, int last) const {
  const int n = unit_count();
  if (element == first_ && first == 0 && last >= 1 && last <= n)
    return {first_curve_[static_cast<size_t>(last - 1)], basis_};
  if (element == second_ && last == n && first >= 0 && first < n)
    return {second_curve_[static_cast<size_t>(first)], basis_};
  fail(ErrorKind::unsupported, "latency curves price only prefixes on " + first_ +
                                   " and suffixes on " + second_ + ", not units [" +
                                   std::to_string(first) + ", " + std::to_string(last) + ") on " +
                                   element);
}

std::vector<Plan> rank_splits(const CostSource& costs, const std::vector<ChainElement>& chain,
                              const std::vector<int64_t>& cut_elements, const Link& link,
                              Objective objective) {
  PlanProblem problem;
  problem.costs = &costs;
  problem.chain = chain;
  problem.cut_elements = cut_elements;
  problem.link = link;
  problem.mode = LinkMode::direct;
  problem.objective = objective;
  return rank_two_stage_splits(problem);
}

}  // namespace splitinfer::predict
