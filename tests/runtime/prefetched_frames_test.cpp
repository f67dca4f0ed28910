// The source stage: frames in order, the producer's error after the frames
// it made before it, and a consumer that stops early without a hang.
#include "runtime/prefetched_frames.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace splitinfer {
namespace {

TEST(PrefetchedFrames, FramesComeInOrderThenTheEnd) {
  int made = 0;
  PrefetchedFrames frames(
      [&]() -> std::optional<Handoff> {
        if (made == 100) return std::nullopt;
        return Handoff::from_floats({1}, {static_cast<float>(made++)});
      },
      3);
  for (int i = 0; i < 100; ++i) {
    const Handoff* f = frames.next();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->floats()[0], static_cast<float>(i));
  }
  EXPECT_EQ(frames.next(), nullptr);
  EXPECT_EQ(frames.next(), nullptr);
  EXPECT_EQ(frames.produce_ms().size(), 100u);
}

TEST(PrefetchedFrames, TheProducersErrorComesAfterItsFrames) {
  int made = 0;
  PrefetchedFrames frames(
      [&]() -> std::optional<Handoff> {
        if (made == 4) throw std::runtime_error("frame 4 is corrupt");
        return Handoff::from_floats({1}, {static_cast<float>(made++)});
      },
      8);
  for (int i = 0; i < 4; ++i) ASSERT_NE(frames.next(), nullptr);
  EXPECT_THROW(
      {
        try {
          frames.next();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "frame 4 is corrupt");
          throw;
        }
      },
      std::runtime_error);
}

// An endless producer blocked on a full queue is stopped by the destructor.
TEST(PrefetchedFrames, StoppingEarlyStopsTheProducer) {
  std::atomic<int> made{0};
  {
    PrefetchedFrames frames(
        [&]() -> std::optional<Handoff> { return Handoff::from_floats({1}, {float(made++)}); }, 2);
    ASSERT_NE(frames.next(), nullptr);
  }
  const int after = made.load();
  EXPECT_GE(after, 1);
  EXPECT_LE(after, 5);  // one taken, two queued, one waiting, at most one more made
}

TEST(PrefetchedFrames, TheEnterHookRunsFirstOnTheProducersThread) {
  std::thread::id entered, produced;
  PrefetchedFrames frames(
      [&]() -> std::optional<Handoff> {
        if (produced != std::thread::id()) return std::nullopt;
        produced = std::this_thread::get_id();
        return Handoff::from_floats({1}, {1.0f});
      },
      2, [&] { entered = std::this_thread::get_id(); });
  ASSERT_NE(frames.next(), nullptr);
  EXPECT_EQ(frames.next(), nullptr);
  EXPECT_EQ(entered, produced);
  EXPECT_NE(entered, std::this_thread::get_id());
}

TEST(PrefetchedFrames, AFailingEnterHookIsTheFirstFramesError) {
  bool produced = false;
  PrefetchedFrames frames(
      [&]() -> std::optional<Handoff> {
        produced = true;
        return Handoff::from_floats({1}, {1.0f});
      },
      2, [] { throw std::runtime_error("cannot pin the thread"); });
  EXPECT_THROW(frames.next(), std::runtime_error);
  EXPECT_FALSE(produced);
}

}  // namespace
}  // namespace splitinfer
