#include "plan/scaled_cost_source.h"

#include <cmath>

#include "common/error.h"

namespace splitinfer {

ScaledCostSource::ScaledCostSource(const CostSource& inner, std::map<std::string, double> factors)
    : inner_(inner), factors_(std::move(factors)) {
  for (const auto& [element, factor] : factors_)
    if (!std::isfinite(factor) || factor <= 0.0)
      fail(ErrorKind::internal, "the time factor of " + element +
                                    " is not a positive number: " + std::to_string(factor));
}

StageEstimate ScaledCostSource::scaled(const std::string& element, StageEstimate estimate) const {
  if (const auto it = factors_.find(element); it != factors_.end()) estimate.ms *= it->second;
  return estimate;
}

StageEstimate ScaledCostSource::stage(const std::string& element, int first, int last) const {
  return scaled(element, inner_.stage(element, first, last));
}

StageEstimate ScaledCostSource::whole_beside(const std::string& element,
                                             const std::vector<std::string>& partners) const {
  return scaled(element, inner_.whole_beside(element, partners));
}

}  // namespace splitinfer
