// The data-parallel runtime's mechanics with stand-in partitions (so that it
// also runs under ThreadSanitizer without the kernel libraries): frames in
// order with none lost or duplicated over 100,000 frames, pull scheduling
// (a slower replica takes fewer frames), the reorder buffer's bound,
// failures without hangs, and stopping. The same runner on real partitions
// is in data_parallel_replicas_test.cpp.
#include "runtime/data_parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "stand_in_frames.h"

namespace splitinfer {
namespace {

// Echoes a one-float frame plus `offset`, after sleeping `sleep_us`; throws
// on the first frame at or after `fail_from` it is given and remembers which.
class EchoPartition : public Partition {
 public:
  explicit EchoPartition(float offset = 0.0f, int sleep_us = 0, int64_t fail_from = -1)
      : offset_(offset), sleep_us_(sleep_us), fail_from_(fail_from) {}
  Handoff run(const Handoff& input) override {
    const float v = input.floats()[0];
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (fail_from_ >= 0 && static_cast<int64_t>(v) >= fail_from_) {
      failed_at = static_cast<int64_t>(v);
      throw std::runtime_error("injected fault at frame " + std::to_string(failed_at.load()));
    }
    return Handoff::from_floats({1}, {v + offset_});
  }
  std::atomic<int64_t> failed_at{-1};

 private:
  float offset_;
  int sleep_us_;
  int64_t fail_from_;
};

std::vector<PipelineStage> replicas_of(std::vector<std::unique_ptr<Partition>> parts) {
  return testing::workers_of(std::move(parts), "replica");
}

// Runs `body` on a thread of its own; a run that does not return within
// `seconds` is a hang, which no assertion can recover from: report and abort.
void within_deadline(int seconds, const std::function<void()>& body) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread t([&] {
    body();
    std::lock_guard lock(m);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  if (!cv.wait_for(lock, std::chrono::seconds(seconds), [&] { return done; })) {
    std::fprintf(stderr, "data-parallel run hung for %d s\n", seconds);
    std::abort();
  }
  lock.unlock();
  t.join();
}

class DataParallelOrder : public ::testing::TestWithParam<int> {};

TEST_P(DataParallelOrder, HundredThousandFramesArriveOnceAndInOrder) {
  const int n = GetParam();
  std::vector<std::unique_ptr<Partition>> parts;
  for (int i = 0; i < n; ++i) parts.push_back(std::make_unique<EchoPartition>());
  auto replicas = replicas_of(std::move(parts));
  constexpr uint64_t kFrames = 100000;
  testing::CountingSource source;
  uint64_t expected = 0, wrong = 0;
  std::vector<size_t> ran_by;
  PipelineResult r;
  within_deadline(300, [&] {
    r = run_data_parallel(
        replicas, kFrames, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [&](uint64_t seq, const Handoff& out) {
          if (seq != expected || out.floats()[0] != static_cast<float>(seq)) ++wrong;
          ++expected;
        },
        {2, nullptr}, &ran_by);
  });
  EXPECT_FALSE(r.failure);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.frames_done, kFrames);
  EXPECT_EQ(expected, kFrames);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(r.latency_ms.size(), kFrames);
  EXPECT_EQ(r.completion_ms.size(), kFrames);
  EXPECT_TRUE(std::is_sorted(r.completion_ms.begin(), r.completion_ms.end()));
  ASSERT_EQ(r.stage_ms.size(), static_cast<size_t>(n));
  size_t ran = 0;
  for (const auto& per_replica : r.stage_ms) ran += per_replica.size();
  EXPECT_EQ(ran, kFrames);  // every frame ran exactly once
  ASSERT_EQ(ran_by.size(), kFrames);
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(static_cast<size_t>(std::count(ran_by.begin(), ran_by.end(), static_cast<size_t>(i))),
              r.stage_ms[i].size());
}

INSTANTIATE_TEST_SUITE_P(Replicas, DataParallelOrder, ::testing::Values(1, 2, 3));

TEST(DataParallel, EachOutputComesFromTheReplicaThatRanIt) {
  // Replica i adds 1000 * i: the output says who ran the frame.
  std::vector<std::unique_ptr<Partition>> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(std::make_unique<EchoPartition>(1000.0f * i, 20));
  auto replicas = replicas_of(std::move(parts));
  testing::CountingSource source;
  std::vector<float> outputs;
  std::vector<size_t> ran_by;
  const PipelineResult r = run_data_parallel(
      replicas, 300, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t, const Handoff& out) { outputs.push_back(out.floats()[0]); }, {}, &ran_by);
  ASSERT_FALSE(r.failure);
  ASSERT_EQ(outputs.size(), 300u);
  ASSERT_EQ(ran_by.size(), 300u);
  for (size_t seq = 0; seq < outputs.size(); ++seq)
    EXPECT_EQ(outputs[seq], static_cast<float>(seq) + 1000.0f * static_cast<float>(ran_by[seq]))
        << "frame " << seq;
}

TEST(DataParallel, PullSchedulingGivesASlowerReplicaFewerFrames) {
  // Replica 1 is 3x slower: it should take about 1/4 of the frames, and the
  // pair completes a frame every t0 * t1 / (t0 + t1). Loose bounds: sleeps
  // overshoot on a loaded machine.
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<EchoPartition>(0.0f, 2000));
  parts.push_back(std::make_unique<EchoPartition>(0.0f, 6000));
  auto replicas = replicas_of(std::move(parts));
  testing::CountingSource source;
  constexpr uint64_t kFrames = 200;
  const PipelineResult r = run_data_parallel(
      replicas, kFrames, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [](uint64_t, const Handoff&) {}, {2, nullptr});
  ASSERT_FALSE(r.failure);
  ASSERT_EQ(r.frames_done, kFrames);
  const double slow_share = static_cast<double>(r.stage_ms[1].size()) / kFrames;
  EXPECT_GT(slow_share, 0.15);
  EXPECT_LT(slow_share, 0.35);
  auto mean = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  const double t0 = mean(r.stage_ms[0]), t1 = mean(r.stage_ms[1]);
  const double expected = t0 * t1 / (t0 + t1);
  const double period = steady_period_ms(r, 10);
  EXPECT_GT(period, 0.6 * expected) << "t0 " << t0 << " t1 " << t1;
  EXPECT_LT(period, 1.4 * expected) << "t0 " << t0 << " t1 " << t1;
}

TEST(DataParallel, ReorderBufferBoundsFramesInFlight) {
  // A slow replica holds back delivery; the fast one may run ahead only as
  // far as the reorder buffer allows: (queue_capacity + 1) x replicas frames
  // taken and not yet delivered. The fast one takes 0.2 ms a frame, so that
  // the slow one finds frames left to take however late its thread starts on
  // a loaded machine (at 0 ms the fast one could finish all 300 first).
  for (size_t capacity : {1u, 2u, 4u}) {
    SCOPED_TRACE("queue_capacity " + std::to_string(capacity));
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<EchoPartition>(0.0f, 200));
    parts.push_back(std::make_unique<EchoPartition>(0.0f, 3000));
    auto replicas = replicas_of(std::move(parts));
    testing::CountingSource source;
    std::atomic<int64_t> taken{0}, delivered{0}, worst{0};
    const PipelineResult r = run_data_parallel(
        replicas, 300,
        [&](uint64_t s) -> const Handoff* {
          worst = std::max(worst.load(), ++taken - delivered.load());
          return &source(s);
        },
        [&](uint64_t, const Handoff&) { ++delivered; }, {capacity, nullptr});
    ASSERT_FALSE(r.failure);
    EXPECT_EQ(r.frames_done, 300u);
    EXPECT_LE(worst.load(), static_cast<int64_t>((capacity + 1) * 2));
    // The fast replica did run ahead, so the bound was what held it.
    EXPECT_GE(worst.load(), static_cast<int64_t>(capacity + 1));
  }
}

struct FaultCase {
  size_t replicas;
  size_t failing;
  int failing_sleep_us;  // a slow failing replica holds back delivery while the others wait for
                         // room
};

class DataParallelFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(DataParallelFault, AFailingReplicaStopsTheRunAndIsNamed) {
  const FaultCase c = GetParam();
  std::vector<std::unique_ptr<Partition>> parts;
  EchoPartition* failing = nullptr;
  for (size_t i = 0; i < c.replicas; ++i) {
    auto p = i == c.failing ? std::make_unique<EchoPartition>(0.0f, c.failing_sleep_us, 17)
                            : std::make_unique<EchoPartition>(0.0f, 50);
    if (i == c.failing) failing = p.get();
    parts.push_back(std::move(p));
  }
  auto replicas = replicas_of(std::move(parts));
  testing::CountingSource source;
  uint64_t seen = 0;
  PipelineResult r;
  within_deadline(60, [&] {
    r = run_data_parallel(
        replicas, 100000, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [&](uint64_t seq, const Handoff&) { EXPECT_EQ(seq, seen++); }, {1, nullptr});
  });
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->stage, c.failing);
  EXPECT_EQ(r.failure->stage_name, "replica" + std::to_string(c.failing));
  ASSERT_GE(failing->failed_at.load(), 17);
  EXPECT_EQ(r.failure->frame, static_cast<uint64_t>(failing->failed_at.load()));
  EXPECT_NE(r.failure->message.find("injected fault"), std::string::npos);
  EXPECT_LE(r.frames_done, r.failure->frame);  // nothing at or after the failed frame
  EXPECT_EQ(r.frames_done, seen);
  EXPECT_FALSE(r.stopped);
}

INSTANTIATE_TEST_SUITE_P(Cases, DataParallelFault,
                         ::testing::Values(FaultCase{2, 0, 0}, FaultCase{2, 1, 0},
                                           FaultCase{2, 1, 5000}, FaultCase{3, 2, 0},
                                           FaultCase{3, 0, 5000}));

TEST(DataParallel, FailingSinkSourceAndEnterAreReported) {
  {  // the sink: named after the replica that ran the frame
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<EchoPartition>(0.0f));
    parts.push_back(std::make_unique<EchoPartition>(1e6f));  // marks replica 1's outputs
    auto replicas = replicas_of(std::move(parts));
    testing::CountingSource source;
    size_t ran_frame_3 = 2;
    PipelineResult r;
    within_deadline(60, [&] {
      r = run_data_parallel(
          replicas, 1000, [&](uint64_t s) -> const Handoff* { return &source(s); },
          [&](uint64_t seq, const Handoff& out) {
            if (seq == 3) {
              ran_frame_3 = out.floats()[0] >= 1e6f ? 1 : 0;
              throw std::runtime_error("disk full");
            }
          });
    });
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->stage, ran_frame_3);
    EXPECT_EQ(r.failure->frame, 3u);
    EXPECT_EQ(r.failure->message, "disk full");
    EXPECT_EQ(r.frames_done, 3u);
  }
  {  // the source: named after the replica taking the frame
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<EchoPartition>(0.0f));
    parts.push_back(std::make_unique<EchoPartition>(0.0f));
    auto replicas = replicas_of(std::move(parts));
    testing::CountingSource source;
    PipelineResult r;
    within_deadline(60, [&] {
      r = run_data_parallel(
          replicas, 1000,
          [&](uint64_t s) -> const Handoff* {
            if (s == 40) throw std::runtime_error("camera gone");
            return &source(s);
          },
          [](uint64_t, const Handoff&) {});
    });
    ASSERT_TRUE(r.failure);
    EXPECT_LT(r.failure->stage, 2u);
    EXPECT_EQ(r.failure->frame, 40u);
    EXPECT_EQ(r.failure->message, "camera gone");
    EXPECT_LE(r.frames_done, 40u);
  }
  {  // a replica's enter
    std::vector<std::unique_ptr<Partition>> parts;
    parts.push_back(std::make_unique<EchoPartition>(0.0f, 100));
    parts.push_back(std::make_unique<EchoPartition>(0.0f, 100));
    auto replicas = replicas_of(std::move(parts));
    replicas[1].enter = [] { throw std::runtime_error("no such core"); };
    testing::CountingSource source;
    PipelineResult r;
    within_deadline(60, [&] {
      r = run_data_parallel(
          replicas, 100000, [&](uint64_t s) -> const Handoff* { return &source(s); },
          [](uint64_t, const Handoff&) {});
    });
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->stage, 1u);
    EXPECT_EQ(r.failure->stage_name, "replica1");
    EXPECT_EQ(r.failure->message, "no such core");
    EXPECT_LT(r.frames_done, 100000u);
    EXPECT_TRUE(r.stage_ms[1].empty());
  }
}

TEST(DataParallel, StopFlagEndsTheRunWithCompletedFramesKept) {
  std::vector<std::unique_ptr<Partition>> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(std::make_unique<EchoPartition>(0.0f, 10 * i));
  auto replicas = replicas_of(std::move(parts));
  std::atomic<bool> stop{false};
  testing::CountingSource source;
  uint64_t seen = 0;
  std::vector<size_t> ran_by;
  PipelineResult r;
  within_deadline(60, [&] {
    r = run_data_parallel(
        replicas, 1000000, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [&](uint64_t seq, const Handoff& out) {
          EXPECT_EQ(seq, seen++);
          EXPECT_EQ(out.floats()[0], static_cast<float>(seq));
          if (seq == 50) stop = true;
        },
        {2, &stop}, &ran_by);
  });
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.failure);
  EXPECT_GE(r.frames_done, 51u);
  EXPECT_LE(r.frames_done, 51u + 3 * 3);  // at most the reorder window after frame 50
  EXPECT_EQ(r.frames_done, seen);         // frames already taken finish
  EXPECT_EQ(ran_by.size(), seen);
  size_t ran = 0;
  for (const auto& per_replica : r.stage_ms) ran += per_replica.size();
  EXPECT_EQ(ran, seen);  // nothing taken was dropped
}

TEST(DataParallel, NoFramesAndNoReplicas) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<EchoPartition>());
  auto replicas = replicas_of(std::move(parts));
  testing::CountingSource source;
  int calls = 0;
  PipelineResult r = run_data_parallel(
      replicas, 0, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t, const Handoff&) { ++calls; });
  EXPECT_FALSE(r.failure);
  EXPECT_EQ(r.frames_done, 0u);
  EXPECT_EQ(calls, 0);
  std::vector<PipelineStage> none;
  r = run_data_parallel(
      none, 10, [&](uint64_t s) -> const Handoff* { return &source(s); },
      [&](uint64_t, const Handoff&) { ++calls; });
  EXPECT_EQ(r.frames_done, 0u);
  EXPECT_EQ(calls, 0);
}

// A source that waits for the previous result before making the next frame
// must not hold up that result's delivery: with the source called under the
// delivery lock, this run would never finish.
TEST(DataParallel, ASourceThatWaitsForResultsDoesNotHoldUpDelivery) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<EchoPartition>(0.5f));
  parts.push_back(std::make_unique<EchoPartition>(0.5f, 200));
  auto replicas = replicas_of(std::move(parts));
  testing::LockstepStream stream(60);
  PipelineResult r;
  within_deadline(60, [&] {
    r = run_data_parallel(
        replicas, UINT64_MAX, [&](uint64_t s) { return stream.next(s); },
        [&](uint64_t seq, const Handoff& out) { stream.delivered(seq, out); });
  });
  ASSERT_FALSE(r.failure);
  EXPECT_EQ(r.frames_done, 60u);
  ASSERT_EQ(stream.outputs.size(), 60u);
  for (size_t i = 0; i < 60; ++i) EXPECT_EQ(stream.outputs[i], static_cast<float>(i) + 0.5f);
}

TEST(DataParallel, OnFailureHearsOfTheFailureBeforeTheRunEnds) {
  std::vector<std::unique_ptr<Partition>> parts;
  parts.push_back(std::make_unique<EchoPartition>(0.0f, 0, 30));
  parts.push_back(std::make_unique<EchoPartition>(0.0f, 0, 30));
  auto replicas = replicas_of(std::move(parts));
  testing::CountingSource source;
  std::atomic<int> heard{0};
  PipelineOptions options;
  options.on_failure = [&](const StageFailure& f) {
    ++heard;
    EXPECT_NE(f.message.find("injected fault"), std::string::npos);
  };
  PipelineResult r;
  within_deadline(60, [&] {
    r = run_data_parallel(
        replicas, 1000, [&](uint64_t s) -> const Handoff* { return &source(s); },
        [](uint64_t, const Handoff&) {}, options);
  });
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(heard.load(), 1);
}

}  // namespace
}  // namespace splitinfer
