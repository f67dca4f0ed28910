// Split plans: which contiguous units run on which element of a chain, what
// each stage costs with its share of the hand-off transfers, and the two
// objectives of the split-inference paper. Throughput: the period, the
// slowest stage. Latency: the sum of every stage and transfer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/precision.h"
#include "plan/cost_source.h"
#include "plan/link.h"

namespace splitinfer {

enum class Objective { throughput, latency };

// "throughput" or "latency".
const char* objective_name(Objective objective);
// The inverse; throws an invalid_input Error naming `name` for anything else.
Objective parse_objective(const std::string& name);

struct ChainElement {
  std::string name;
  // What it hands over: int8 codes plus a scale, 2-byte floats or float32.
  Precision precision = Precision::fp32;
  // The hardware it computes on ("cpu0"; "cpu" is every core); elements on
  // the same device time-share it. Empty: a device of its own.
  std::string device;
};

// The time-sharing group of each chain element, numbered from 0 in order of
// first appearance: elements on the same device share it, and every CPU
// element shares with an all-core element ("cpu"); an element without a
// device is a group of its own.
std::vector<int> sharing_groups(const std::vector<ChainElement>& chain);

// Whether two elements of the chain time-share a device (sharing_groups).
bool shares_a_device(const std::vector<ChainElement>& chain);

struct PlanProblem {
  const CostSource* costs = nullptr;
  std::vector<ChainElement> chain;  // pipeline order
  // Elements of the one tensor crossing cut j (after unit j-1), j = 0..N.
  std::vector<int64_t> cut_elements;
  Link link;
  LinkMode mode = LinkMode::direct;
  Objective objective = Objective::throughput;

  int unit_count() const { return static_cast<int>(cut_elements.size()) - 1; }
  // Bytes on the link when `sender` hands over at cut j.
  int64_t handoff_bytes(const ChainElement& sender, int cut) const;
};

struct StagePlan {
  std::string element;
  int first_unit = 0, last_unit = 0;  // empty when equal
  double compute_ms = 0.0;
  CostBasis basis = CostBasis::measured_partition;
  double receive_ms = 0.0;  // its share of the incoming transfer
  double send_ms = 0.0;     // its share of the outgoing transfer
  int64_t send_bytes = 0;
  double total_ms() const { return compute_ms + receive_ms + send_ms; }
  bool empty() const { return first_unit == last_unit; }
};

struct Plan {
  std::vector<int> cuts;  // K-1 non-decreasing boundaries; stage k runs [cuts[k-1], cuts[k])
  std::vector<StagePlan> stages;
  // The busiest device's time per frame: stages that share a device
  // (sharing_groups) add up there, as they time-share it.
  double period_ms = 0.0;
  double latency_ms = 0.0;
  double objective_ms(Objective o) const {
    return o == Objective::throughput ? period_ms : latency_ms;
  }
};

// Stage s of the chain on units [first, last), receiving from `sender` (the
// last non-empty stage before it; null for the first).
StagePlan price_stage(const PlanProblem& problem, int s, const ChainElement* sender, int first,
                      int last);

// Throws an invalid_input Error unless `cuts` are elements-1 non-decreasing
// split indices within 0..unit_count.
void validate_cuts(const std::vector<int>& cuts, int unit_count, size_t elements);

// The plan for the given cuts (validated: K-1 values, non-decreasing, within
// 0..N).
Plan evaluate_plan(const PlanProblem& problem, const std::vector<int>& cuts);

// Orders plans by the objective, then the other objective, then the cuts.
bool better_plan(const Plan& a, const Plan& b, Objective objective);

// The paper's method for two elements: every split index 0..N, best first.
std::vector<Plan> rank_two_stage_splits(const PlanProblem& problem);

// The best plan: the exhaustive ranking's first for two elements, the
// dynamic program's otherwise.
Plan best_plan(const PlanProblem& problem);

// The best plan for a chain of any length, by dynamic programming over
// contiguous partitions (stages may be empty); equal to trying every cut
// vector, in O(K^2 N^2) stage evaluations. Stages that time-share a device
// make the period a sum across stages, which the dynamic program cannot
// split: such chains try every cut vector (an invalid_input Error when there
// are over a million).
Plan best_chain_plan(const PlanProblem& problem);

// The data-parallel schedule: every element of the chain runs the whole
// model and takes the next frame when it is free. Devices add their rates;
// elements that share a device (sharing_groups) time-share it, one frame per
// mean whole-model time of its elements.
struct DataParallelPlan {
  // Per chain element, the whole model's time that sets the period, with its
  // cost basis: beside its partners where they run at once and the source
  // has that figure, alone otherwise.
  std::vector<double> whole_ms;
  std::vector<CostBasis> basis;
  double period_ms = 0.0;
  double latency_ms = 0.0;  // unloaded, of the slowest element: a frame may land there
  double objective_ms(Objective o) const {
    return o == Objective::throughput ? period_ms : latency_ms;
  }
};

DataParallelPlan evaluate_data_parallel(const PlanProblem& problem);

}  // namespace splitinfer
