// `predict dataset` as a user drives it: a small dataset that loads, a second
// run that takes every model from the profile store, an interrupt that
// leaves no dataset file, and one-line errors for bad arguments.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "predict/dataset_file.h"
#include "support/cli_fixture.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

using PredictDataset = testing::TwoCpuCliTest;

TEST_F(PredictDataset, WritesALoadableDatasetAndResumesFromTheStore) {
  const std::string out = dir_ + "/data/dataset.json.gz";  // the directory is created
  const std::string args =
      "predict dataset --models 2 --first-seed 1 --reps 1 --json --out " + out + db();
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["measured_now"], 2);
  EXPECT_EQ(j["from_store"], 0);
  const predict::Dataset d = predict::load_dataset(out);
  ASSERT_EQ(d.models.size(), 2u);
  EXPECT_EQ(d.models[0].name, "random_cnn_1");
  EXPECT_EQ(d.models[1].name, "random_cnn_2");
  EXPECT_EQ(d.link.basis, "measured");

  const auto again = run_cli(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto j2 = nlohmann::json::parse(again.out);
  EXPECT_EQ(j2["measured_now"], 0);
  EXPECT_EQ(j2["from_store"], 2);
  EXPECT_EQ(predict::load_dataset(out).models[1].first_ms, d.models[1].first_ms);
}

// Ctrl-C in the middle of the first model's measurements (each of the
// thousands of repetitions takes well under a millisecond).
TEST_F(PredictDataset, InterruptWritesNoDataset) {
  const auto r = run_cli(
      "predict dataset --models 2 --first-seed 1 --reps 3000 --out " + dir_ + "/d.json.gz" + db(),
      2);
  EXPECT_EQ(r.exit_code, 130) << r.err;  // ErrorKind::interrupted
  EXPECT_NE(r.err.find("interrupted after measuring 0 model(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resume"), std::string::npos) << r.err;
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find("d.json.gz"), std::string::npos)
        << entry.path();
}

TEST_F(PredictDataset, BadArgumentsAreOneLineErrors) {
  testing::expect_one_line_error(run_cli("predict dataset --models 0" + db()), 2, "--models");
  testing::expect_one_line_error(run_cli("predict dataset --models 2 --reps x" + db()), 2,
                                 "--reps");
  testing::expect_one_line_error(run_cli("predict dataset" + db()), 2, "--models");
  testing::expect_one_line_error(run_cli("predict"), 2, "subcommand");
  testing::expect_one_line_error(run_cli("predict dataset --models 2 --out " + dir_ + db()), 3,
                                 "is a directory");
  testing::expect_one_line_error(
      run_cli("predict dataset --models 2 --first-seed 18446744073709551615" + db()), 3, "no room");
  for (const char* pair : {"cpu0:int8", "cpu0:int8,cpu0:int8", "cpu0:int8,cpu1:fp32,cpu1:bf16"})
    testing::expect_one_line_error(
        run_cli("predict dataset --models 2 --devices " + std::string(pair) + db()), 3,
        "two different elements");
  testing::expect_one_line_error(
      run_cli("predict dataset --models 2 --devices cpu0:int8,cpu9:fp32" + db()), 3, "cpu9");
}

}  // namespace
}  // namespace splitinfer
