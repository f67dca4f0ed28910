// The link between two elements as a value: what a hand-off crossing it
// costs. Here, below both, so that the runtime (which measures links) and the
// planner (which charges them to stages, plan/link.h) share the type without
// the runtime depending on the planner.
#pragma once

#include <string>

namespace splitinfer {

struct Link {
  std::string name;             // "pcie3x4", "shared-memory", ...
  double latency_ms = 0.0;      // fixed cost of one transfer
  double bandwidth_gb_s = 1.0;  // 1 GB/s = 1e9 bytes per second
  std::string basis = "spec";   // "spec" (from a data sheet) or "measured"
};

}  // namespace splitinfer
