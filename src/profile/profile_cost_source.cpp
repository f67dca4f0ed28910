#include "profile/profile_cost_source.h"

#include "common/error.h"

namespace splitinfer {

ProfileCostSource::ProfileCostSource(const ProfileStore& store, std::string model_hash,
                                     std::string model_name, int unit_count, std::string machine)
    : store_(store),
      model_hash_(std::move(model_hash)),
      model_name_(std::move(model_name)),
      machine_(std::move(machine)),
      unit_count_(unit_count) {}

const ProfileCostSource::Ranges& ProfileCostSource::ranges(const std::string& element) const {
  if (const auto it = cache_.find(element); it != cache_.end()) return it->second;
  Ranges r;
  for (const std::string& machine : {machine_, std::string("imported")}) {
    const ProfileKey key{model_hash_, model_name_, element, machine, unit_count_};
    for (const RangeTiming& t : store_.get(key)) r.by_range[{t.first_unit, t.last_unit}] = t;
    if (!r.by_range.empty()) {
      r.imported = machine == "imported";
      break;
    }
  }
  return cache_[element] = std::move(r);
}

bool ProfileCostSource::knows(const std::string& element) const {
  return !ranges(element).by_range.empty();
}

StageEstimate ProfileCostSource::stage(const std::string& element, int first, int last) const {
  const Ranges& r = ranges(element);
  if (const auto it = r.by_range.find({first, last}); it != r.by_range.end())
    return {it->second.median_ms, r.imported ? CostBasis::imported : CostBasis::measured_partition};
  double sum = 0.0;
  for (int u = first; u < last; ++u) {
    const auto it = r.by_range.find({u, u + 1});
    if (it == r.by_range.end())
      fail(ErrorKind::invalid_input, "the profile store has no timing of unit " +
                                         std::to_string(u) + " of " + model_name_ + " on " +
                                         element + " (profile it: splitinfer profile " +
                                         model_name_ + " --device " + element + ")");
    sum += it->second.median_ms;
  }
  return {sum, r.imported ? CostBasis::imported : CostBasis::measured_unit_sum};
}

StageEstimate ProfileCostSource::whole_beside(const std::string& element,
                                              const std::vector<std::string>& partners) const {
  const ProfileKey key{model_hash_, model_name_, element, machine_, unit_count_};
  if (const auto t = store_.find_beside(key, partners_key(partners)))
    return {t->median_ms, CostBasis::measured_beside_partners};
  return stage(element, 0, unit_count_);
}

}  // namespace splitinfer
