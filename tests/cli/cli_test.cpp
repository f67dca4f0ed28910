// The command-line contract of DESIGN.md: JSON on stdout with --json, one
// `error: ...` line on stderr with exit code 2 (usage) or 3 (bad model or
// input), and no partial output files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "support/run_cli.h"

namespace splitinfer {
namespace {

using testing::expect_one_line_error;
using testing::run_cli;

class CliFiles : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

TEST(Cli, ModelsListsTheZoo) {
  const auto r = run_cli("models --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["models"].size(), 10u);
  EXPECT_EQ(j["models"][0]["name"], "lenet5");
  EXPECT_EQ(j["models"][8]["name"], "mobilenet_v3_small");
  EXPECT_EQ(j["models"][9]["name"], "mobilenet_v3_large");
}

TEST(Cli, DevicesListsRealAndSimulatedElementsAndLinks) {
  const auto r = run_cli("devices --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  auto names = [&](const char* group) {
    std::vector<std::string> n;
    for (const auto& e : j[group]) n.push_back(e["name"]);
    return n;
  };
  const auto real = names("real"), sim = names("simulated"), links = names("links");
  EXPECT_NE(std::find(real.begin(), real.end(), "cpu0:int8"), real.end());
  for (const char* e : {"sim:vck190-dpu", "sim:rtx2080", "sim:jetson-tx2-cpu", "sim:jetson-tx2-gpu",
                        "sim:cyclone10gx"})
    EXPECT_NE(std::find(sim.begin(), sim.end(), e), sim.end()) << e;
  EXPECT_NE(std::find(links.begin(), links.end(), "pcie3x4"), links.end());
  for (const auto& e : j["simulated"]) EXPECT_FALSE(e["sources"].empty()) << e["name"];
  // The paper's DPU is priced by its fit to published times; the fit shows
  // each time beside what the fitted and the left-out fits predict.
  for (const auto& e : j["simulated"]) {
    if (e["name"] != "sim:vck190-dpu") continue;
    EXPECT_EQ(e["plan_uses"], "fitted");
    ASSERT_TRUE(e["fitted"].is_object());
    EXPECT_LE(e["fitted"]["max_error"].get<double>(),
              e["fitted"]["stated_max_error"].get<double>());
    for (const auto& t : e["fitted"]["published"]) {
      EXPECT_GT(t["left_out_ms"].get<double>(), 0.0) << t["model"];
      EXPECT_FALSE(t["source"].get<std::string>().empty()) << t["model"];
    }
  }
}

TEST(Cli, InspectJsonHasTheContractFields) {
  const auto r = run_cli("inspect resnet18 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout holds nothing but the JSON
  EXPECT_EQ(j["model"], "resnet18");
  EXPECT_EQ(j["input_shape"], (std::vector<int>{1, 3, 224, 224}));
  EXPECT_EQ(j["params"], 11'689'512);
  EXPECT_EQ(j["macs"], 1'814'073'344);
  EXPECT_EQ(j["splits"], 16);
  ASSERT_EQ(j["units"].size(), 15u);
  const auto& maxpool = j["units"][3];
  EXPECT_EQ(maxpool["index"], 3);
  EXPECT_EQ(maxpool["name"], "maxpool");
  EXPECT_EQ(maxpool["ops"], (std::vector<std::string>{"MaxPool"}));
  EXPECT_EQ(maxpool["output_shape"], (std::vector<int>{1, 64, 56, 56}));
  EXPECT_EQ(maxpool["output_bytes_int8"], 64 * 56 * 56 + 8);
  EXPECT_EQ(j["units"][14]["params"], 512 * 1000 + 1000);
  EXPECT_EQ(j["units"][14]["macs"], 512 * 1000);
  EXPECT_EQ(j["int8_float_ops"], std::vector<std::string>{});  // every op on codes
}

TEST(Cli, InspectTableStartsWithTheSummaryLine) {
  const auto r = run_cli("inspect mobilenet_v2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mobilenet_v2: input 1x3x224x224 -> 1x1000, 3,504,872 params, "
                        "300,774,272 MACs, 23 units, 24 split indices\n",
                        0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("features.17"), std::string::npos);
  EXPECT_NE(r.out.find("\nINT8 elements run every op on codes\n"), std::string::npos) << r.out;
}

TEST(Cli, BadUsageExitsWithTwo) {
  expect_one_line_error(run_cli("inspect"), 2, "MODEL");
  expect_one_line_error(run_cli("inspect resnet18 --no-such-flag"), 2, "no-such-flag");
  expect_one_line_error(run_cli("frobnicate"), 2, "frobnicate");
}

TEST(Cli, UnknownModelNamesTheModel) {
  expect_one_line_error(run_cli("inspect resnet19"), 3, "resnet19");
}

TEST_F(CliFiles, BadModelFilesExitWithThree) {
  expect_one_line_error(run_cli("inspect " + write("empty.onnx", "")), 3, "empty.onnx");
  std::mt19937 rng(42);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  expect_one_line_error(run_cli("inspect " + write("noise.onnx", noise)), 3, "noise.onnx");
  expect_one_line_error(run_cli("inspect " + dir_ + "/missing.onnx"), 3, "missing.onnx");
  expect_one_line_error(run_cli("inspect " + dir_), 3, dir_);
}

TEST_F(CliFiles, ExportRoundTripsThroughInspect) {
  const std::string path = dir_ + "/lenet5.onnx";
  const auto exported = run_cli("export lenet5 -o " + path + " --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(nlohmann::json::parse(exported.out)["output"], path);
  const auto r = run_cli("inspect " + path + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["params"], 61'706);
  EXPECT_EQ(j["macs"], 416'520);
  EXPECT_EQ(j["splits"], 13);
  EXPECT_EQ(j["units"][7]["name"], "fc1");
}

TEST_F(CliFiles, ExportToAMissingDirectoryLeavesNothing) {
  const std::string path = dir_ + "/no/such/dir/model.onnx";
  expect_one_line_error(run_cli("export lenet5 -o " + path), 3, "model.onnx");
  EXPECT_FALSE(std::filesystem::exists(path));
  // Only the temp dir itself: no stray temporary files either.
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(CliFiles, ZooWeightsComeFromAnOnnxFile) {
  const std::string path = dir_ + "/lenet5.onnx";
  ASSERT_EQ(run_cli("export lenet5 --seed 3 -o " + path).exit_code, 0);
  const std::string copy = dir_ + "/copy.onnx";
  const auto r = run_cli("export lenet5 --weights " + path + " -o " + copy);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream a(path, std::ios::binary), b(copy, std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  const std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(bytes_a, bytes_b);
  expect_one_line_error(run_cli("inspect resnet18 --weights " + path), 3, "conv1");
}

}  // namespace
}  // namespace splitinfer
