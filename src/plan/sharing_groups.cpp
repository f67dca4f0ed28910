#include <algorithm>
#include <map>
#include <set>

#include "plan/plan.h"

namespace splitinfer {

std::vector<int> sharing_groups(const std::vector<ChainElement>& chain) {
  const bool all_cores_used = std::any_of(chain.begin(), chain.end(),
                                          [](const ChainElement& e) { return e.device == "cpu"; });
  std::map<std::string, int> by_device;
  std::vector<int> groups;
  int next = 0;
  for (const ChainElement& e : chain) {
    if (e.device.empty()) {
      groups.push_back(next++);
      continue;
    }
    const bool cpu = e.device.rfind("cpu", 0) == 0;
    const auto [it, added] = by_device.try_emplace(all_cores_used && cpu ? "cpu" : e.device, next);
    if (added) ++next;
    groups.push_back(it->second);
  }
  return groups;
}

bool shares_a_device(const std::vector<ChainElement>& chain) {
  const std::vector<int> groups = sharing_groups(chain);
  return std::set<int>(groups.begin(), groups.end()).size() < groups.size();
}

}  // namespace splitinfer
