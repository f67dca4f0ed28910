#include "common/error.h"
#include "plan/plan.h"

namespace splitinfer {

const char* objective_name(Objective objective) {
  return objective == Objective::throughput ? "throughput" : "latency";
}

Objective parse_objective(const std::string& name) {
  if (name == "throughput") return Objective::throughput;
  if (name == "latency") return Objective::latency;
  fail(ErrorKind::invalid_input, "objective '" + name + "' is not throughput or latency");
}

}  // namespace splitinfer
