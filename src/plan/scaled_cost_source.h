// A cost source whose every time on an element is another source's time
// times that element's factor: a profile carried to the machine's speed of
// the moment, when each element's whole model has been timed again and
// found slower or faster than its profile says (`run`'s prediction at the
// run's speed).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/cost_source.h"

namespace splitinfer {

class ScaledCostSource : public CostSource {
 public:
  // An element without a factor keeps the inner source's times. `inner`
  // must outlive this source.
  ScaledCostSource(const CostSource& inner, std::map<std::string, double> factors);

  int unit_count() const override { return inner_.unit_count(); }
  bool knows(const std::string& element) const override { return inner_.knows(element); }
  StageEstimate stage(const std::string& element, int first, int last) const override;
  StageEstimate whole_beside(const std::string& element,
                             const std::vector<std::string>& partners) const override;

 private:
  StageEstimate scaled(const std::string& element, StageEstimate estimate) const;
  const CostSource& inner_;
  std::map<std::string, double> factors_;
};

}  // namespace splitinfer
