// Stage times from the profile store: the unit range timed as one partition
// where it was measured (every prefix and suffix is), the sum of its units'
// medians otherwise, and imported profiles where nothing was measured on this
// machine; and the whole model timed beside its partners where it was.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/cost_source.h"
#include "profile/profile_store.h"

namespace splitinfer {

class ProfileCostSource : public CostSource {
 public:
  // Timings of the model with this structure hash and unit count, measured on
  // `machine` or imported.
  ProfileCostSource(const ProfileStore& store, std::string model_hash, std::string model_name,
                    int unit_count, std::string machine);

  int unit_count() const override { return unit_count_; }
  bool knows(const std::string& element) const override;
  StageEstimate stage(const std::string& element, int first, int last) const override;
  // Measured on this machine beside exactly these partners, else alone.
  StageEstimate whole_beside(const std::string& element,
                             const std::vector<std::string>& partners) const override;

 private:
  struct Ranges {
    std::map<std::pair<int, int>, RangeTiming> by_range;
    bool imported = false;
  };
  const Ranges& ranges(const std::string& element) const;

  const ProfileStore& store_;
  std::string model_hash_, model_name_, machine_;
  int unit_count_;
  mutable std::map<std::string, Ranges> cache_;
};

}  // namespace splitinfer
