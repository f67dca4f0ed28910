// The pipeline's mechanics with stand-in partitions (so that it also runs
// under ThreadSanitizer without the kernel libraries): order, no loss or
// duplication over 100,000 frames, back-pressure, failures and stopping.
#include "runtime/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "stand_in_frames.h"

namespace splitinfer {
namespace {

// Adds `offset` to a one-float frame; throws on frame `fail_at`.
class AddPartition : public Partition {
 public:
  AddPartition(float offset, int64_t fail_at = -1, std::atomic<int64_t>* in_flight = nullptr,
               int delta = 0)
      : offset_(offset), fail_at_(fail_at), in_flight_(in_flight), delta_(delta) {}
  Handoff run(const Handoff& input) override {
    const float v = input.floats()[0];
    if (fail_at_ >= 0 && static_cast<int64_t>(v) == fail_at_)
      throw std::runtime_error("injected fault at frame " + std::to_string(fail_at_));
    if (in_flight_) *in_flight_ += delta_;
    return Handoff::from_floats({1}, {v + offset_});
  }

 private:
  float offset_;
  int64_t fail_at_;
  std::atomic<int64_t>* in_flight_;
  int delta_;
};

std::vector<PipelineStage> stages_of(std::vector<std::unique_ptr<Partition>> parts) {
  return testing::workers_of(std::move(parts), "stage");
}

TEST(Pipeline, HundredThousandFramesArriveOnceAndInOrder) {
  std::vector<std::unique_ptr<Partition>> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(std::make_unique<AddPartition>(0.0f));
  auto stages = stages_of(std::move(parts));
  constexpr uint64_t kFrames = 100000;
  testing::CountingSource source;
  uint64_t expected = 0, wrong = 0;
  const PipelineResult r = run_pipeline(
      stages, kFrames, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t seq, const Handoff& out) {
        if (seq != expected || out.floats()[0] != static_cast<float>(seq)) ++wrong;
        ++expected;
      },
      {4, nullptr});
  EXPECT_FALSE(r.failure);
  EXPECT_EQ(r.frames_done, kFrames);
  EXPECT_EQ(expected, kFrames);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(r.latency_ms.size(), kFrames);
  for (const auto& per_stage : r.stage_ms) EXPECT_EQ(per_stage.size(), kFrames);
}

TEST(Pipeline, StagesApplyInOrder) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(1.0f));
  parts.push_back(std::make_unique<AddPartition>(10.0f));
  auto stages = stages_of(std::move(parts));
  testing::CountingSource source;
  std::vector<float> outputs;
  run_pipeline(
      stages, 5, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t, const Handoff& out) { outputs.push_back(out.floats()[0]); });
  EXPECT_EQ(outputs, (std::vector<float>{11, 12, 13, 14, 15}));
}

// Runs `frames` frames through 3 stages: stage 0 counts a frame in, the last
// stage counts it out, and the most frames in flight when a frame is made is
// returned.
int64_t worst_in_flight(uint64_t frames, const PipelineOptions& options) {
  std::atomic<int64_t> in_flight{0};
  int64_t worst = 0;
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(0.0f, -1, &in_flight, +1));
  parts.push_back(std::make_unique<AddPartition>(0.0f));
  parts.push_back(std::make_unique<AddPartition>(0.0f, -1, &in_flight, -1));
  auto stages = stages_of(std::move(parts));
  testing::CountingSource source;
  const PipelineResult r = run_pipeline(
      stages, frames,
      [&](uint64_t s) -> const Handoff* {
        worst = std::max(worst, in_flight.load());
        return &source(s);
      },
      [](uint64_t, const Handoff&) {}, options);
  EXPECT_EQ(r.frames_done, frames);
  EXPECT_EQ(in_flight.load(), 0);
  return worst;
}

TEST(Pipeline, BackPressureBoundsFramesInFlight) {
  // With queues of capacity 1 between 3 stages at most 2 queued + 3 in
  // stages can be in flight.
  EXPECT_LE(worst_in_flight(20000, {1, nullptr}), 2 + 3);
}

// Sleeps `ms` per frame and passes the frame on: a stage whose time is not
// CPU time, so that overlap shows even on a loaded machine.
class SleepPartition : public Partition {
 public:
  explicit SleepPartition(int ms) : ms_(ms) {}
  Handoff run(const Handoff& input) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
    return input;
  }

 private:
  int ms_;
};

// Two stages of T each: pipelined, N frames take about (N + 1) T, not 2 N T;
// one frame at a time they take at least 2 N T.
TEST(Pipeline, StagesOverlap) {
  constexpr int kT = 20, kN = 20;
  testing::CountingSource source;
  auto timed = [&](size_t max_in_flight) {
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<SleepPartition>(kT));
    parts.push_back(std::make_unique<SleepPartition>(kT));
    auto stages = stages_of(std::move(parts));
    PipelineOptions options{2, nullptr};
    options.max_in_flight = max_in_flight;
    const PipelineResult r = run_pipeline(
        stages, kN, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [](uint64_t, const Handoff&) {}, options);
    EXPECT_EQ(r.frames_done, static_cast<uint64_t>(kN));
    return r.wall_ms;
  };
  EXPECT_LT(timed(0), 1.5 * kN * kT);  // serial would be 2 N T = 800 ms
  EXPECT_GE(timed(1), 2.0 * kN * kT);
}

TEST(Pipeline, OneFrameInFlightGivesEachFrameThePipelineToItself) {
  PipelineOptions one_at_a_time{4, nullptr};
  one_at_a_time.max_in_flight = 1;
  // The previous frame had left before the next entered.
  EXPECT_EQ(worst_in_flight(2000, one_at_a_time), 0);
}

TEST(Pipeline, AFailureWhileTheFirstStageWaitsForRoomEndsTheRun) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(0.0f));
  parts.push_back(std::make_unique<AddPartition>(0.0f, 7));
  auto stages = stages_of(std::move(parts));
  testing::CountingSource source;
  PipelineOptions one_at_a_time{4, nullptr};
  one_at_a_time.max_in_flight = 1;
  const PipelineResult r = run_pipeline(
      stages, 100, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t, const Handoff&) {}, one_at_a_time);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage, 1u);
  EXPECT_EQ(r.frames_done, 7u);
}

class PipelineFault : public ::testing::TestWithParam<size_t> {};

TEST_P(PipelineFault, AFailingStageStopsTheRunAndIsNamed) {
  const size_t failing = GetParam();
  std::vector<std::unique_ptr<Partition>> parts;
  for (size_t i = 0; i < 3; ++i)
    parts.push_back(std::make_unique<AddPartition>(0.0f, i == failing ? 17 : -1));
  auto stages = stages_of(std::move(parts));
  testing::CountingSource source;
  const PipelineResult r = run_pipeline(
      stages, 1000, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t, const Handoff&) {}, {2, nullptr});
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage, failing);
  EXPECT_EQ(r.failure->stage_name, "stage" + std::to_string(failing));
  EXPECT_EQ(r.failure->frame, 17u);
  EXPECT_NE(r.failure->message.find("injected fault"), std::string::npos);
  EXPECT_LE(r.frames_done, 17u);
}

INSTANTIATE_TEST_SUITE_P(EachStage, PipelineFault, ::testing::Values(0u, 1u, 2u));

TEST(Pipeline, FailingSinkAndEnterAreReported) {
  {
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<AddPartition>(0.0f));
    parts.push_back(std::make_unique<AddPartition>(0.0f));
    auto stages = stages_of(std::move(parts));
    testing::CountingSource source;
    const PipelineResult r = run_pipeline(
        stages, 100, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [](uint64_t seq, const Handoff&) {
          if (seq == 3) throw std::runtime_error("disk full");
        });
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->stage, 1u);
    EXPECT_EQ(r.failure->frame, 3u);
  }
  {
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<AddPartition>(0.0f));
    parts.push_back(std::make_unique<AddPartition>(0.0f));
    auto stages = stages_of(std::move(parts));
    stages[1].enter = [] { throw std::runtime_error("no such core"); };
    testing::CountingSource source;
    const PipelineResult r = run_pipeline(
        stages, 100, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [](uint64_t, const Handoff&) {});
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->stage, 1u);
    EXPECT_EQ(r.failure->message, "no such core");
    EXPECT_EQ(r.frames_done, 0u);
  }
}

TEST(Pipeline, StopFlagEndsTheRunWithCompletedFramesKept) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(0.0f));
  parts.push_back(std::make_unique<AddPartition>(0.0f));
  auto stages = stages_of(std::move(parts));
  std::atomic<bool> stop{false};
  testing::CountingSource source;
  uint64_t seen = 0;
  const PipelineResult r = run_pipeline(
      stages, 1000000, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t seq, const Handoff&) {
        EXPECT_EQ(seq, seen++);
        if (seq == 50) stop = true;
      },
      {2, &stop});
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.failure);
  EXPECT_GE(r.frames_done, 51u);
  EXPECT_LT(r.frames_done, 1000u);
  EXPECT_EQ(r.frames_done, seen);  // frames already in flight finish
}

TEST(Pipeline, SteadyPeriodSkipsWarmup) {
  PipelineResult r;
  r.completion_ms = {100, 110, 120, 130, 140};
  EXPECT_DOUBLE_EQ(steady_period_ms(r, 1), 10.0);
  r.completion_ms = {50, 51, 61, 71};
  EXPECT_DOUBLE_EQ(steady_period_ms(r, 1), 10.0);
}

// An endless run fed by a source that waits for frames and then ends the
// stream: every frame made is delivered, in order, and the run ends.
TEST(Pipeline, ASourceThatWaitsAndEndsTheStreamEndsTheRun) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(1.0f));
  parts.push_back(std::make_unique<AddPartition>(10.0f));
  auto stages = stages_of(std::move(parts));
  testing::LockstepStream stream(50);
  const PipelineResult r = run_pipeline(
      stages, UINT64_MAX, [&](uint64_t s) { return stream.next(s); },
      [&](uint64_t seq, const Handoff& out) { stream.delivered(seq, out); });
  ASSERT_FALSE(r.failure);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.frames_done, 50u);
  ASSERT_EQ(stream.outputs.size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(stream.outputs[i], static_cast<float>(i) + 11.0f);
}

TEST(Pipeline, OnFailureHearsOfTheFirstFailureOnce) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<AddPartition>(0.0f));
  parts.push_back(std::make_unique<AddPartition>(0.0f, 7));
  auto stages = stages_of(std::move(parts));
  testing::CountingSource source;
  std::atomic<int> heard{0};
  PipelineOptions options;
  options.on_failure = [&](const StageFailure& f) {
    ++heard;
    EXPECT_EQ(f.stage, 1u);
    EXPECT_EQ(f.frame, 7u);
  };
  const PipelineResult r = run_pipeline(
      stages, 100, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t, const Handoff&) {}, options);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(heard.load(), 1);
  EXPECT_EQ(std::string(stage_error(*r.failure).what()),
            "stage 2 (stage1) failed on frame 7: injected fault at frame 7");
}

}  // namespace
}  // namespace splitinfer
