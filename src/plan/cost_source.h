// Where the planner's stage times come from. Measured profiles, simulated
// elements and learned predictors are implementations of this one interface,
// so a new way of estimating never touches the search.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace splitinfer {

// How a stage time was obtained; every figure the planner prints says it.
enum class CostBasis {
  measured_partition,        // the unit range was timed as one partition
  measured_beside_partners,  // the whole model, timed while its partners ran theirs
  measured_unit_sum,         // sum of per-unit timings (misses fusion and cache effects)
  imported,                  // measured elsewhere and imported into the profile store
  simulated,                 // a cost model of an element that is not attached
  predicted,                 // a learned predictor
};

std::string_view cost_basis_name(CostBasis basis);

struct StageEstimate {
  double ms = 0.0;
  CostBasis basis = CostBasis::measured_partition;
};

class CostSource {
 public:
  virtual ~CostSource() = default;
  // Number of split units of the model the source describes.
  virtual int unit_count() const = 0;
  // Whether the source can estimate stages on `element`.
  virtual bool knows(const std::string& element) const = 0;
  // Time of units [first, last) run as one partition on `element`
  // (0 <= first < last <= unit_count()). Throws an Error naming the element
  // when it has no estimate.
  virtual StageEstimate stage(const std::string& element, int first, int last) const = 0;
  // Time of the whole model on `element` while every element of `partners`
  // runs the whole model at the same time (data-parallel replicas, which
  // share caches and memory). A source that has no such figure answers the
  // time alone, stage(element, 0, unit_count()), and says so in its basis.
  virtual StageEstimate whole_beside(const std::string& element,
                                     const std::vector<std::string>& partners) const;
};

}  // namespace splitinfer
