// The hybrid runtime with stand-in partitions: groups of replicas as
// pipeline stages keep every frame once and in order, overlap the groups,
// add a group's replicas' rates, and stop or fail without hanging.
#include "runtime/hybrid.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "stand_in_frames.h"

namespace splitinfer {
namespace {

// Replicas of one step: `count` of them, each adding `offset`.
std::vector<PipelineStage> group(size_t count, float offset, int sleep_ms = 0, int64_t fail_at = -1,
                                 const std::string& name = "g") {
  std::vector<std::unique_ptr<Partition>> parts;
  for (size_t i = 0; i < count; ++i)
    parts.push_back(std::make_unique<testing::OffsetPartition>(
        offset, std::chrono::milliseconds(sleep_ms),
        fail_at >= 0 ? std::optional(static_cast<float>(fail_at)) : std::nullopt));
  return testing::workers_of(std::move(parts), name);
}

TEST(Hybrid, HundredThousandFramesArriveOnceAndInOrder) {
  // Offsets 0, 0, 0 keep the frame's own number: output = seq.
  std::vector<std::vector<PipelineStage>> groups;
  groups.push_back(group(2, 0.0f));
  groups.push_back(group(1, 0.0f));
  groups.push_back(group(3, 0.0f));
  constexpr uint64_t kFrames = 100000;
  testing::CountingSource source;
  uint64_t expected = 0, wrong = 0;
  const PipelineResult r = run_hybrid(
      groups, kFrames, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t seq, const Handoff& out) {
        if (seq != expected || out.floats()[0] != static_cast<float>(seq)) ++wrong;
        ++expected;
      },
      {2, nullptr});
  EXPECT_FALSE(r.failure);
  EXPECT_EQ(r.frames_done, kFrames);
  EXPECT_EQ(expected, kFrames);
  EXPECT_EQ(wrong, 0u);
  ASSERT_EQ(r.stage_ms.size(), 6u);  // one per replica
  size_t ran = 0;
  for (size_t i = 0; i < 2; ++i) ran += r.stage_ms[i].size();
  EXPECT_EQ(ran, kFrames);  // the first group's replicas share its frames
  EXPECT_EQ(r.stage_ms[2].size(), kFrames);
  EXPECT_EQ(r.latency_ms.size(), kFrames);
}

TEST(Hybrid, StagesApplyInOrder) {
  std::vector<std::vector<PipelineStage>> groups;
  groups.push_back(group(2, 1.0f));
  groups.push_back(group(2, 10.0f));
  testing::CountingSource source;
  std::vector<float> got;
  run_hybrid(
      groups, 50, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t, const Handoff& out) { got.push_back(out.floats()[0]); });
  ASSERT_EQ(got.size(), 50u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], static_cast<float>(i) + 11.0f);
}

// A 2T stage replicated twice beside a T stage: the period is about T, so N
// frames take about N T; with one replica they would take at least 2 N T.
TEST(Hybrid, ReplicatingTheSlowStageAddsItsRate) {
  constexpr int kT = 15, kN = 30;
  testing::CountingSource source;
  auto wall = [&](size_t replicas) {
    std::vector<std::vector<PipelineStage>> groups;
    groups.push_back(group(replicas, 0.0f, 2 * kT));
    groups.push_back(group(1, 0.0f, kT));
    const PipelineResult r = run_hybrid(
        groups, kN, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [](uint64_t, const Handoff&) {}, {2, nullptr});
    EXPECT_EQ(r.frames_done, static_cast<uint64_t>(kN));
    return r.wall_ms;
  };
  EXPECT_GE(wall(1), 2.0 * kN * kT);
  EXPECT_LT(wall(2), 1.5 * kN * kT);
}

TEST(Hybrid, AFailingReplicaIsNamedAcrossGroupsAndNothingHangs) {
  std::vector<std::vector<PipelineStage>> groups;
  groups.push_back(group(2, 0.0f));
  groups.push_back(group(2, 0.0f, 0, 37, "middle"));
  groups.push_back(group(1, 0.0f));
  testing::CountingSource source;
  const PipelineResult r = run_hybrid(
      groups, 1000, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t, const Handoff&) {});
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage_name.rfind("middle", 0), 0u);
  EXPECT_GE(r.failure->stage, 2u);  // replicas 2 and 3 are the middle group's
  EXPECT_LE(r.failure->stage, 3u);
  EXPECT_EQ(r.failure->frame, 37u);
  EXPECT_LT(r.frames_done, 38u);
}

TEST(Hybrid, AFailingSinkEndsEveryGroup) {
  std::vector<std::vector<PipelineStage>> groups;
  groups.push_back(group(2, 0.0f));
  groups.push_back(group(1, 0.0f));
  testing::CountingSource source;
  const PipelineResult r = run_hybrid(
      groups, 1000, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t seq, const Handoff&) {
        if (seq == 5) throw std::runtime_error("sink full");
      });
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->message, "sink full");
  EXPECT_EQ(r.frames_done, 5u);
}

TEST(Hybrid, StopFlagEndsTheRunWithCompletedFramesKept) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<PipelineStage>> groups;
  groups.push_back(group(2, 0.0f));
  groups.push_back(group(1, 0.0f));
  testing::CountingSource source;
  uint64_t delivered = 0;
  const PipelineResult r = run_hybrid(
      groups, 1000000, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t seq, const Handoff&) {
        EXPECT_EQ(seq, delivered);
        if (++delivered == 100) stop = true;
      },
      {2, &stop});
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.failure);
  EXPECT_GE(r.frames_done, 100u);
  EXPECT_LT(r.frames_done, 1000000u);
  EXPECT_EQ(r.frames_done, delivered);
}

}  // namespace
}  // namespace splitinfer
