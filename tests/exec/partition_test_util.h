// Small helpers shared by the tests that compile partitions of hand-built
// graphs and compare them with the reference interpreter.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/attributes.h"
#include "graph/graph.h"

namespace splitinfer::testing {

inline Attributes attrs(std::initializer_list<std::pair<const char*, AttrValue>> items) {
  Attributes a;
  for (const auto& [k, v] : items) a.set(k, v);
  return a;
}

inline int unit_count(const Graph& g) { return static_cast<int>(g.units.size()); }

inline std::unique_ptr<Partition> compile(const std::string& element, const Graph& g, int first,
                                          int last, const Calibration* calibration) {
  return make_backend(element)->compile({&g, first, last, calibration});
}

inline Handoff run_input(Partition& p, const Graph& g, const std::vector<float>& x) {
  return p.run(Handoff::from_floats(g.tensor(g.inputs.at(0)).shape, x));
}

// Whether the fallback list names an op of this type ("Sigmoid (node)").
inline bool has_fallback(const std::vector<std::string>& fallbacks, OpType op) {
  const std::string prefix = std::string(op_name(op)) + " (";
  return std::any_of(fallbacks.begin(), fallbacks.end(),
                     [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
}

inline std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s.empty() ? "(none)" : s;
}

}  // namespace splitinfer::testing
