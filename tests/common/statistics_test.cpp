// The shared summaries against closed forms: interpolated quantiles, the
// median of odd and even counts, SQNR of a known error.
#include "common/statistics.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/clock.h"

namespace splitinfer {
namespace {

TEST(Statistics, PercentileInterpolatesBetweenRanks) {
  const std::vector<double> sorted = {1.0, 2.0, 4.0, 8.0, 16.0};
  EXPECT_DOUBLE_EQ(percentile(sorted, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(sorted, 1.0), 16.0);
  EXPECT_DOUBLE_EQ(percentile(sorted, 0.5), 4.0);
  EXPECT_DOUBLE_EQ(percentile(sorted, 0.1), 1.4);     // rank 0.4: 1 + 0.4 * (2 - 1)
  EXPECT_DOUBLE_EQ(percentile(sorted, 0.875), 12.0);  // rank 3.5: midway from 8 to 16
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(percentile({7.0}, 0.99), 7.0);
}

TEST(Statistics, MedianSortsAndAveragesTheMiddlePairOfAnEvenCount) {
  EXPECT_DOUBLE_EQ(median({5.0, 1.0, 3.0}), 3.0);
  EXPECT_DOUBLE_EQ(median({4.0, 1.0, 3.0, 10.0}), 3.5);
  EXPECT_DOUBLE_EQ(median({}), 0.0);
}

TEST(Statistics, TrimmedMeanDropsBothTailsAndResolvesBelowTheTick) {
  // A duration of a third of a clock tick reads 0 or 1 ticks; one reading
  // was interrupted. The median stays on the grid, the trimmed mean does not.
  const std::vector<double> ticks = {0, 1, 0, 0, 1, 0, 50, 0, 0, 1, 0};
  EXPECT_DOUBLE_EQ(median(ticks), 0.0);
  EXPECT_DOUBLE_EQ(trimmed_mean(ticks, 0.1), 3.0 / 9.0);  // one dropped at each end
  EXPECT_DOUBLE_EQ(trimmed_mean({2.0, 4.0}, 0.0), 3.0);
  EXPECT_DOUBLE_EQ(trimmed_mean({2.0, 4.0}, 0.5), 0.0);  // nothing left
}

TEST(Statistics, SqnrOfAKnownErrorAndOfEqualValues) {
  const std::vector<float> want = {3.0f, -4.0f};  // signal 25
  const std::vector<float> got = {3.5f, -4.0f};   // noise 0.25
  EXPECT_NEAR(sqnr_db(got, want), 20.0, 1e-9);    // 10 log10(100)
  EXPECT_DOUBLE_EQ(sqnr_db(want, want), 200.0);   // finite for JSON
}

TEST(Statistics, TimeDifferencesAreInMillisecondsAndSeconds) {
  const SteadyClock::time_point a{};
  EXPECT_DOUBLE_EQ(ms_between(a, a + std::chrono::microseconds(1500)), 1.5);
  const auto start = SteadyClock::now();
  EXPECT_GE(ms_since(start), 0.0);
  EXPECT_GE(seconds_since(start), 0.0);
}

}  // namespace
}  // namespace splitinfer
