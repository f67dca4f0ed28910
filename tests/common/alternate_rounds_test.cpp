// The loop that measures two schedules side by side (`run`'s pipeline and
// data-parallel rounds, `run --sweep`'s rematch).
#include "common/alternate_rounds.h"

#include <gtest/gtest.h>

#include <string>

namespace splitinfer {
namespace {

TEST(AlternateRounds, TheLeadAlternatesFromRoundToRound) {
  std::string order;
  alternate_rounds(
      4, [] { return false; }, [&] { order += 'a'; }, [&] { order += 'b'; });
  EXPECT_EQ(order, "abbaabba");
}

TEST(AlternateRounds, NoRunStartsOnceStopped) {
  std::string order;
  bool stop = false;
  // Stopped during the leading run of the third round: its other half and
  // every later round are skipped.
  alternate_rounds(
      5, [&] { return stop; },
      [&] {
        order += 'a';
        stop = order.size() == 5;
      },
      [&] { order += 'b'; });
  EXPECT_EQ(order, "abbaa");
  order.clear();
  stop = false;
  alternate_rounds(
      5, [&] { return stop; }, [&] { order += 'a'; },
      [&] {
        order += 'b';
        stop = true;
      });
  EXPECT_EQ(order, "ab");
  order.clear();
  stop = true;
  alternate_rounds(
      5, [&] { return stop; }, [&] { order += 'a'; }, [&] { order += 'b'; });
  EXPECT_EQ(order, "");
}

}  // namespace
}  // namespace splitinfer
