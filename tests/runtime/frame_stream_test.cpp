// The open-ended stream behind the public API's Pipeline, with stand-in
// partitions (so that it also runs under ThreadSanitizer): results in
// submission order from concurrent submitters, over a pipeline and over
// data-parallel replicas; ending with frames in flight drains them; a failing
// stage reaches every waiting frame, refuses later submissions and is what
// end() returns.
#include "runtime/frame_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "stand_in_frames.h"

namespace splitinfer {
namespace {

std::vector<PipelineStage> two_workers(int sleep_us, float fail_at = -1.0f) {
  std::vector<std::unique_ptr<Partition>> parts;
  const std::optional<float> fails = fail_at >= 0.0f ? std::optional(fail_at) : std::nullopt;
  parts.push_back(
      std::make_unique<testing::OffsetPartition>(0.5f, std::chrono::microseconds(sleep_us), fails));
  // A pipeline's second stage sees v + 0.5, never `fail_at`; a replica may.
  parts.push_back(std::make_unique<testing::OffsetPartition>(
      0.5f, std::chrono::microseconds(sleep_us / 2), fails));
  return testing::workers_of(std::move(parts), "w");
}

Handoff frame(float v) { return Handoff::from_floats({1}, {v}); }

// Four threads submit 200 frames each; every result comes back once, in
// submission order, and is the result of the frame submitted with that
// number.
void expect_order_under_concurrent_submitters(FrameStream::Schedule schedule, float offset) {
  FrameStream stream(two_workers(20), schedule, 2, 0);
  constexpr int kPerThread = 200, kThreads = 4;
  std::mutex mutex;
  std::vector<std::pair<uint64_t, float>> results;
  std::vector<float> sent(kPerThread * kThreads, -1.0f);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const float v = static_cast<float>(t * 1000 + i);
        const uint64_t seq =
            stream.submit(frame(v), [&](uint64_t s, const Handoff* out, std::exception_ptr error) {
              ASSERT_FALSE(error);
              std::lock_guard lock(mutex);
              results.emplace_back(s, out->floats()[0]);
            });
        std::lock_guard lock(mutex);
        sent[seq] = v;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_FALSE(stream.end());
  ASSERT_EQ(results.size(), sent.size());
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].first, i);
    EXPECT_EQ(results[i].second, sent[i] + offset) << "frame " << i;
  }
  const FrameStreamStats stats = stream.stats();
  EXPECT_EQ(stats.submitted, sent.size());
  EXPECT_EQ(stats.completion_ms.size(), sent.size());
  ASSERT_EQ(stats.stage_ms.size(), 2u);
}

TEST(FrameStream, PipelineResultsComeInSubmissionOrder) {
  expect_order_under_concurrent_submitters(FrameStream::Schedule::pipeline, 1.0f);
}

TEST(FrameStream, DataParallelResultsComeInSubmissionOrder) {
  expect_order_under_concurrent_submitters(FrameStream::Schedule::data_parallel, 0.5f);
}

TEST(FrameStream, EndingDrainsTheFramesInFlight) {
  FrameStream stream(two_workers(300), FrameStream::Schedule::pipeline, 4, 0);
  std::atomic<int> delivered{0};
  for (int i = 0; i < 12; ++i)
    stream.submit(
        frame(static_cast<float>(i)),
        [&](uint64_t, const Handoff* out, std::exception_ptr) { delivered += out != nullptr; });
  EXPECT_FALSE(stream.end());
  EXPECT_EQ(delivered.load(), 12);
  EXPECT_FALSE(stream.end());  // idempotent
  try {
    stream.submit(frame(0.0f), [](uint64_t, const Handoff*, std::exception_ptr) {});
    FAIL() << "submitted after the end";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(FrameStream, AFailingStageReachesEveryWaitingFrame) {
  for (auto schedule : {FrameStream::Schedule::pipeline, FrameStream::Schedule::data_parallel}) {
    FrameStream stream(two_workers(100, 5.0f), schedule, 2, 0);
    std::mutex mutex;
    int delivered = 0, lost = 0;
    std::vector<uint64_t> lost_seqs;
    bool refused = false;
    for (int i = 0; i < 40 && !refused; ++i) {
      try {
        stream.submit(frame(static_cast<float>(i)),
                      [&](uint64_t seq, const Handoff* out, std::exception_ptr error) {
                        std::lock_guard lock(mutex);
                        if (out) {
                          ++delivered;
                        } else {
                          EXPECT_TRUE(error);
                          ++lost;
                          lost_seqs.push_back(seq);
                        }
                      });
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::stage_failed);
        refused = true;
      }
    }
    const std::exception_ptr error = stream.end();
    ASSERT_TRUE(error);
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::stage_failed);
      EXPECT_NE(std::string(e.what()).find("injected fault"), std::string::npos) << e.what();
    }
    std::lock_guard lock(mutex);
    const int submitted = static_cast<int>(stream.stats().submitted);
    EXPECT_EQ(delivered + lost, submitted);  // every frame told once
    EXPECT_LE(delivered, 5 + 2);             // a replica may finish frames after 5
    for (size_t i = 1; i < lost_seqs.size(); ++i) EXPECT_EQ(lost_seqs[i], lost_seqs[i - 1] + 1);
  }
}

}  // namespace
}  // namespace splitinfer
