// The split path of `splitinfer run` without the command line: stages
// compiled on real elements (INT8 prefix, FP32 or INT8 suffix), frames through
// the pipeline's worker threads and queues, and the same stages run in turn.
// Also built into the AddressSanitizer run (tests/asan), where it is the one
// test that moves real partitions' hand-offs between threads.
#include "runtime/split_runner.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "exec/calibration.h"
#include "graph/graph.h"
#include "graph/zoo/zoo.h"
#include "runtime/hybrid.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

struct Case {
  std::string model;
  std::vector<std::string> elements;
  std::vector<int> cuts;
};

void expect_pipeline_matches_stages_in_turn(const Case& c) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  const Graph graph = build_zoo_model(c.model, 11);
  const Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 4, 2024), CalibrationMethod::percentile);
  const std::vector<Handoff> frames = input_frames(graph, "");  // 8 noise frames

  std::vector<PipelineStage> fp32 = build_stages(graph, {"cpu0:fp32"}, {}, nullptr);
  std::vector<PipelineStage> stages = build_stages(graph, c.elements, c.cuts, &calibration);
  ASSERT_EQ(stages.size(), c.elements.size());

  // Twice round the distinct frames, through queues of one slot: every
  // hand-off waits in a queue and crosses threads.
  std::vector<Handoff> outputs;
  const PipelineMeasurement m =
      measure_pipeline(stages, frames, 2 * static_cast<int>(frames.size()), {1, nullptr}, &outputs);
  ASSERT_FALSE(m.result.failure) << m.result.failure->message;
  EXPECT_EQ(m.result.frames_done, 2 * frames.size());
  ASSERT_EQ(outputs.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    const std::vector<float> got = outputs[i].to_floats();
    EXPECT_EQ(got, run_stages_in_turn(stages, frames[i]).to_floats());
    const std::vector<float> want = run_stages_in_turn(fp32, frames[i]).to_floats();
    EXPECT_GE(ref::sqnr_db(got, want), 20.0);
  }
}

TEST(SplitRunner, Lenet5Int8ThenFp32) {
  expect_pipeline_matches_stages_in_turn({"lenet5", {"cpu0:int8", "cpu1:fp32"}, {5}});
}

TEST(SplitRunner, Resnet18Int8ThenFp32) {
  expect_pipeline_matches_stages_in_turn({"resnet18", {"cpu0:int8", "cpu1:fp32"}, {6}});
}

TEST(SplitRunner, MobilenetV3SmallThreeStages) {
  const int n = static_cast<int>(build_zoo_model("mobilenet_v3_small", 11).units.size());
  expect_pipeline_matches_stages_in_turn(
      {"mobilenet_v3_small", {"cpu0:int8", "cpu1:int8", "cpu1:fp32"}, {n / 3, 2 * n / 3}});
}

}  // namespace
}  // namespace splitinfer

namespace splitinfer {
namespace {

// A hybrid on two cores with time-shared stages: the INT8 prefix replicated
// on cpu0 and cpu1, then the FP32 suffix on cpu1 (sharing it with a replica).
// Whichever replica takes a frame, its output is the pipeline's bit for bit.
TEST(SplitRunner, Lenet5HybridMatchesItsPipelineRunInTurn) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  const Graph graph = build_zoo_model("lenet5", 11);
  const Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 4, 2024), CalibrationMethod::percentile);
  const std::vector<Handoff> frames = input_frames(graph, "");
  std::vector<PipelineStage> a = build_stages(graph, {"cpu0:int8", "cpu1:fp32"}, {5}, &calibration);
  std::vector<PipelineStage> b = build_stages(graph, {"cpu1:int8", "cpu1:fp32"}, {5}, &calibration);
  std::vector<std::vector<float>> want;
  for (const Handoff& f : frames) want.push_back(run_stages_in_turn(a, f).to_floats());

  std::vector<std::vector<PipelineStage>> groups(2);
  groups[0].push_back(std::move(a[0]));
  groups[0].push_back(std::move(b[0]));
  groups[1].push_back(std::move(a[1]));
  constexpr uint64_t kFrames = 64;
  uint64_t checked = 0;
  const PipelineResult r = run_hybrid(
      groups, kFrames, [&](uint64_t s) -> const Handoff* { return &frames[s % frames.size()]; },
      [&](uint64_t seq, const Handoff& out) {
        EXPECT_EQ(out.to_floats(), want[seq % frames.size()]) << "frame " << seq;
        ++checked;
      },
      {1, nullptr});
  ASSERT_FALSE(r.failure) << r.failure->message;
  EXPECT_EQ(checked, kFrames);
  EXPECT_GT(r.stage_ms[0].size() + r.stage_ms[1].size(), 0u);
  EXPECT_EQ(r.stage_ms[0].size() + r.stage_ms[1].size(), kFrames);
}

}  // namespace
}  // namespace splitinfer
