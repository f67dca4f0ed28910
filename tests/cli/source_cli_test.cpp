// `run --source`: the pipeline fed by a video decoded on its own thread,
// reported beside the same stages fed from memory; a bad source is one error
// line before anything is profiled.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

class SourceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v ffmpeg > /dev/null") != 0)
      GTEST_SKIP() << "ffmpeg is missing (scripts/setup.sh installs it)";
    dir_ = testing::make_temp_dir();
    setenv("SPLITINFER_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
    ASSERT_EQ(std::system(("ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=30 "
                           "-frames:v 90 -c:v mpeg4 " +
                           dir_ + "/clip.mp4 > /dev/null 2>&1")
                              .c_str()),
              0);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
};

TEST_F(SourceCli, RunFedByAVideoReportsItBesideMemory) {
  const auto r = run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:fp32 --split 3 --frames 20 "
      "--alone-frames 3 --reps 2 --json --source " +
      dir_ + "/clip.mp4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& source = doc.at("source");
  EXPECT_EQ(source.at("frames").get<int>(), 90);
  EXPECT_EQ(source.at("rounds").get<int>(), 2);  // 60 frames, then the last 30
  EXPECT_GT(source.at("period_ms_measured").get<double>(), 0.0);
  EXPECT_GT(source.at("period_ms_from_memory_measured").get<double>(), 0.0);
  EXPECT_GT(source.at("decode_ms_median_measured").get<double>(), 0.0);
  // Decoded on the core of the stage with the least predicted time.
  const auto& stages = doc.at("stages");
  const auto idlest =
      std::min_element(stages.begin(), stages.end(), [](const auto& a, const auto& b) {
        return a.at("ms_predicted").template get<double>() <
               b.at("ms_predicted").template get<double>();
      });
  EXPECT_EQ(source.at("decode_element"), idlest->at("element"));
}

TEST_F(SourceCli, ABadSourceIsOneErrorLine) {
  std::ofstream(dir_ + "/broken.mp4") << std::string(3000, '\x01');
  testing::expect_one_line_error(
      run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --source " + dir_ + "/broken.mp4"), 3,
      "broken.mp4");
  testing::expect_one_line_error(
      run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --source " + dir_ + "/missing.mp4"), 3,
      "no such file");
  EXPECT_FALSE(fs::exists(dir_ + "/cache/profiles.sqlite"));
}

}  // namespace
}  // namespace splitinfer
