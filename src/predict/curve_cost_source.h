// Stage times read off two cumulative latency curves, as the latency models
// predict them: the first element's prefix curve and the second element's
// suffix curve. That is all a two-element split needs, so the planner
// searches predicted curves exactly as it searches measured profiles.
#pragma once

#include <string>
#include <vector>

#include "plan/cost_source.h"
#include "plan/plan.h"

namespace splitinfer::predict {

class CurveCostSource final : public CostSource {
 public:
  // first_curve[i]: units [0, i] on `first`; second_curve[i]: units [i, N)
  // on `second`; both of length N. Throws an invalid_input Error for curves
  // of different or zero length or a time that is negative or not finite.
  CurveCostSource(std::string first, std::vector<double> first_curve, std::string second,
                  std::vector<double> second_curve, CostBasis basis = CostBasis::predicted);

  int unit_count() const override { return static_cast<int>(first_curve_.size()); }
  bool knows(const std::string& element) const override;
  // A prefix on the first element or a suffix on the second; any other range
  // throws an unsupported Error.
  StageEstimate stage(const std::string& element, int first, int last) const override;

 private:
  std::string first_, second_;
  std::vector<double> first_curve_, second_curve_;
  CostBasis basis_;
};

// Every split index of the two-element `chain` priced with `costs`, best
// first for `objective`, handing over `cut_elements` over `link` in direct
// mode.
std::vector<Plan> rank_splits(const CostSource& costs, const std::vector<ChainElement>& chain,
                              const std::vector<int64_t>& cut_elements, const Link& link,
                              Objective objective);

}  // namespace splitinfer::predict
