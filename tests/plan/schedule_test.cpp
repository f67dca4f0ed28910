// Ranking the schedules a user would try: by the objective, within a forced
// kind, under a fidelity floor.
#include "plan/schedule.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace splitinfer {
namespace {

Candidate pipeline(std::vector<int> cuts, double period, double latency, double db) {
  return {ScheduleKind::pipeline, std::move(cuts), {}, period, latency, Fidelity{db, 0.0, 8, 8}};
}

TEST(Schedule, RankedByTheObjectiveThenTheOther) {
  const std::vector<Candidate> c = {
      pipeline({3}, 5.0, 9.0, 40.0),
      pipeline({4}, 4.0, 9.0, 30.0),
      {ScheduleKind::data_parallel, {}, {}, 4.0, 12.0, Fidelity{20.0, 0.0, 8, 8}},
      pipeline({5}, 4.0, 8.0, 35.0)};
  EXPECT_EQ(rank_candidates(c, {Objective::throughput, {}, {}}), (std::vector<size_t>{3, 1, 2, 0}));
  EXPECT_EQ(rank_candidates(c, {Objective::latency, {}, {}}), (std::vector<size_t>{3, 1, 0, 2}));
  EXPECT_EQ(rank_candidates(c, {Objective::throughput, ScheduleKind::data_parallel, {}}),
            (std::vector<size_t>{2}));
}

TEST(Schedule, TheFloorNeedsAMeasuredFidelityAtLeastAsHigh) {
  Candidate c = pipeline({1}, 1.0, 1.0, 30.0);
  EXPECT_TRUE(holds_floor(c, {Objective::throughput, {}, {}}));
  EXPECT_TRUE(holds_floor(c, {Objective::throughput, {}, 30.0}));
  EXPECT_FALSE(holds_floor(c, {Objective::throughput, {}, 30.5}));
  c.fidelity.reset();
  EXPECT_FALSE(holds_floor(c, {Objective::throughput, {}, -100.0}));
}

TEST(Schedule, ChoicesParse) {
  EXPECT_FALSE(parse_schedule_choice("auto").has_value());
  EXPECT_EQ(parse_schedule_choice("pipeline"), ScheduleKind::pipeline);
  EXPECT_EQ(parse_schedule_choice("data-parallel"), ScheduleKind::data_parallel);
  EXPECT_EQ(parse_schedule_choice("hybrid"), ScheduleKind::hybrid);
  EXPECT_THROW(parse_schedule_choice("hybrid-ish"), Error);
  EXPECT_STREQ(schedule_kind_name(ScheduleKind::data_parallel), "data_parallel");
}

}  // namespace
}  // namespace splitinfer
