// Several cost sources behind one: each element is answered by the first
// source that knows it (measured profiles, then simulated elements, ...).
#pragma once

#include <memory>
#include <vector>

#include "plan/cost_source.h"

namespace splitinfer {

class CombinedCostSource : public CostSource {
 public:
  explicit CombinedCostSource(int unit_count) : unit_count_(unit_count) {}
  void add(std::unique_ptr<CostSource> source) { sources_.push_back(std::move(source)); }

  int unit_count() const override { return unit_count_; }
  bool knows(const std::string& element) const override;
  StageEstimate stage(const std::string& element, int first, int last) const override;
  StageEstimate whole_beside(const std::string& element,
                             const std::vector<std::string>& partners) const override;

 private:
  const CostSource& source_of(const std::string& element) const;
  int unit_count_;
  std::vector<std::unique_ptr<CostSource>> sources_;
};

}  // namespace splitinfer
