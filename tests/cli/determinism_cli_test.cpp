// Same command, same output, in every process: the INT8 -> FP32 split of
// ResNet18 run in several fresh processes, each with empty calibration and
// profile caches (so each calibrates and profiles anew, as on a fresh
// machine), writes byte-identical outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_fixture.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

using testing::run_cli;

class FreshProcesses : public testing::TwoCpuCliTest {};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the split in `count` fresh processes and returns what each wrote.
std::vector<std::string> outputs_of_fresh_processes(const std::string& dir, int count) {
  std::vector<std::string> outputs;
  for (int process = 0; process < count; ++process) {
    const std::string tag = std::to_string(outputs.size()) + std::to_string(process);
    setenv("SPLITINFER_CACHE_DIR", (dir + "/cache" + tag).c_str(), 1);
    const std::string out = dir + "/y" + tag + ".bin";
    const auto r = run_cli(
        "run resnet18 --devices cpu0:int8,cpu1:fp32 --split 11 --frames 10 "
        "--alone-frames 2 --reps 2 --db " +
        dir + "/p" + tag + ".sqlite" + " --output " + out + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    outputs.push_back(read_bytes(out));
    EXPECT_EQ(outputs.back().size(), 8u * 1000u * sizeof(float));  // 8 noise frames of logits
  }
  return outputs;
}

void expect_all_equal(const std::vector<std::string>& outputs) {
  for (size_t i = 1; i < outputs.size(); ++i)
    EXPECT_TRUE(outputs[i] == outputs[0]) << "process " << i << " differs from process 0";
}

TEST_F(FreshProcesses, Int8SplitOutputsAreByteIdentical) {
  expect_all_equal(outputs_of_fresh_processes(dir_, 3));
}

// oneDNN's AVX-512 kernels without VNNI or AMX keep a scratchpad that, in
// the library's default mode, belongs to the thread that created the
// primitive: a stage compiled on one thread and run on another found none
// ("could not execute a primitive") or another primitive's.
TEST_F(FreshProcesses, Int8SplitOutputsAreByteIdenticalOnOlderKernels) {
  setenv("DNNL_MAX_CPU_ISA", "AVX512_CORE", 1);
  const std::vector<std::string> outputs = outputs_of_fresh_processes(dir_, 2);
  unsetenv("DNNL_MAX_CPU_ISA");
  expect_all_equal(outputs);
}

// A run that profiles first (an empty store) must compute what a run with a
// full store computes: profiling compiles and runs dozens of partitions on
// both cores at once, and primitives it left in oneDNN's primitive cache
// used to come back, shared, into the run's partitions (on AMX machines
// LeNet-5 then agreed with FP32 at 0 dB on 3 of 5 fresh runs).
TEST_F(FreshProcesses, RunAfterProfilingAgreesWithFp32) {
  for (int process = 0; process < 4; ++process) {
    const std::string tag = std::to_string(process);
    setenv("SPLITINFER_CACHE_DIR", (dir_ + "/lenet-cache" + tag).c_str(), 1);
    const auto r = run_cli(
        "run lenet5 --devices cpu1:fp32,cpu0:int8 --split 7 --frames 20 --alone-frames 2 "
        "--reps 3 --db " +
        dir_ + "/lenet" + tag + ".sqlite --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto agreement = nlohmann::json::parse(r.out)["agreement_with_fp32"];
    EXPECT_GE(agreement["min_sqnr_db"].get<double>(), 30.0) << "process " << process;
    EXPECT_EQ(agreement["top1_agreement"].get<int>(), 8) << "process " << process;
  }
}

}  // namespace
}  // namespace splitinfer
