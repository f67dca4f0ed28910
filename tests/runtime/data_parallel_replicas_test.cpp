// The data-parallel runtime on real elements: whole-model replicas built by
// build_replicas in different precisions, frames taken by whichever replica
// is free, and every output bit for bit that replica's own output for the
// frame. (The runner's mechanics with stand-ins, also under ThreadSanitizer,
// are in data_parallel_test.cpp.)
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/on_own_thread.h"
#include "exec/calibration.h"
#include "graph/zoo/zoo.h"
#include "runtime/data_parallel.h"
#include "runtime/split_runner.h"

namespace splitinfer {
namespace {

TEST(DataParallelReplicas, Lenet5Int8AndFp32OutputsMatchTheReplicaThatRanEachFrame) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  const Graph graph = build_zoo_model("lenet5", 11);
  const Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 4, 2024), CalibrationMethod::percentile);
  const std::vector<Handoff> frames = input_frames(graph, "");  // 8 noise frames
  std::vector<PipelineStage> replicas =
      build_replicas(graph, {"cpu0:int8", "cpu1:fp32"}, &calibration);
  ASSERT_EQ(replicas.size(), 2u);
  EXPECT_EQ(replicas[0].name, "cpu0:int8");
  EXPECT_EQ(replicas[1].name, "cpu1:fp32");

  // Each replica's own whole-model output for each distinct frame, run on
  // its element before the parallel run.
  std::vector<std::vector<std::vector<float>>> reference(replicas.size());
  for (size_t r = 0; r < replicas.size(); ++r)
    on_own_thread([&] {
      replicas[r].enter();
      for (const Handoff& frame : frames)
        reference[r].push_back(replicas[r].partition->run(frame).to_floats());
    });
  // INT8 and FP32 disagree somewhere, so a match tells which replica ran it.
  size_t differ = 0;
  for (size_t i = 0; i < frames.size(); ++i) differ += reference[0][i] != reference[1][i];
  EXPECT_GT(differ, 0u);

  constexpr uint64_t kFrames = 400;
  std::vector<std::vector<float>> outputs;
  std::vector<size_t> ran_by;
  const PipelineResult result = run_data_parallel(
      replicas, kFrames,
      [&](uint64_t seq) -> const Handoff* { return &frames[seq % frames.size()]; },
      [&](uint64_t, const Handoff& out) { outputs.push_back(out.to_floats()); }, {2, nullptr},
      &ran_by);
  ASSERT_FALSE(result.failure) << result.failure->stage_name << ": " << result.failure->message;
  ASSERT_EQ(result.frames_done, kFrames);
  ASSERT_EQ(outputs.size(), kFrames);
  ASSERT_EQ(ran_by.size(), kFrames);
  std::vector<size_t> ran(replicas.size(), 0);
  for (uint64_t seq = 0; seq < kFrames; ++seq) {
    const size_t r = ran_by[seq];
    ASSERT_LT(r, replicas.size());
    ++ran[r];
    EXPECT_EQ(outputs[seq], reference[r][seq % frames.size()])
        << "frame " << seq << " ran on " << replicas[r].name;
  }
  for (size_t r = 0; r < replicas.size(); ++r) EXPECT_EQ(result.stage_ms[r].size(), ran[r]);
  RecordProperty("frames_on_cpu0_int8", static_cast<int>(ran[0]));
  RecordProperty("frames_on_cpu1_fp32", static_cast<int>(ran[1]));
}

}  // namespace
}  // namespace splitinfer
