// `splitinfer ggp` end to end: fit, layer (with --verify, --plot and a real
// --run), verify and model, and their one-line errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::run_cli;

const std::string kSimulated =
    " --devices sim:jetson-tx2-cpu,sim:jetson-tx2-gpu,sim:cyclone10gx@pcie2x4";

class GgpCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
};

nlohmann::json parsed(const testing::CliResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST_F(GgpCli, FitWritesPositiveModelsThatLayerRunsWith) {
  std::string models;
  for (const char* element : {"cpu0:fp32", "cpu1:fp32"}) {
    const std::string out = dir_ + "/" + std::string(element).substr(0, 4) + ".json";
    const auto j = parsed(run_cli(std::string("ggp fit --device ") + element +
                                  " --samples 16 --reps 2 --power-w 2.5 --json --out " + out));
    EXPECT_EQ(j["element"], element);
    EXPECT_EQ(j["samples"]["train"].get<int>() + j["samples"]["holdout"].get<int>(), 16);
    ASSERT_FALSE(j["posynomial"].empty());
    for (const auto& t : j["posynomial"]) EXPECT_GT(t["coefficient"].get<double>(), 0.0);
    EXPECT_GE(j["mape_percent"]["posynomial_holdout"].get<double>(), 0.0);
    EXPECT_TRUE(fs::exists(out));
    models += (models.empty() ? "" : ",") + out;
  }
  const auto j = parsed(
      run_cli("ggp layer --H 20 --W 20 --C 8 --k 3 --N 24 --devices cpu0:fp32,cpu1:fp32 --models " +
              models + " --objective energy --run --reps 2 --json"));
  EXPECT_EQ(j["figure"], "predicted");
  EXPECT_EQ(j["split"]["cpu0:fp32"].get<int>() + j["split"]["cpu1:fp32"].get<int>(), 24);
  EXPECT_GT(j["mj"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["objective"].get<double>(), j["mj"].get<double>());
  EXPECT_EQ(j["run"]["figure"], "measured");
  EXPECT_LE(j["run"]["max_relative_error"].get<double>(), 1e-5);

  expect_one_line_error(run_cli("ggp layer --devices cpu0:fp32,cpu1:fp32 --models " + models +
                                " --technique rows --run"),
                        3, "filter splits only");
}

TEST_F(GgpCli, LayerMatchesExhaustiveSearchAndPlotsItsTrajectory) {
  const std::string svg = dir_ + "/fig3.svg";
  const auto j = parsed(run_cli(
      "ggp layer --H 112 --W 112 --C 16 --k 1 --N 32 --technique channels --execution sequential"
      " --verify --json --plot " +
      svg + kSimulated));
  int sum = 0;
  for (const auto& s : j["split"]) sum += s.get<int>();
  EXPECT_EQ(sum, 16);
  EXPECT_EQ(j["figure"], "simulated");
  EXPECT_TRUE(j["converged"].get<bool>());
  EXPECT_LE(j["objective"].get<double>(), j["exhaustive"]["objective"].get<double>() * 1.01);
  EXPECT_EQ(j["iterations"].get<size_t>(), j["trajectory"].size());
  EXPECT_GE(j["iterations"].get<int>(), 2);
  EXPECT_GT(j["alpha"].get<double>(), 0.0);
  EXPECT_GE(j["solve_ms"].get<double>(), 0.0);
  EXPECT_TRUE(fs::exists(svg));
}

TEST_F(GgpCli, VerifyLandsWithinOnePercent) {
  const auto j = parsed(run_cli("ggp verify --layers 40 --seed 3 --json"));
  // Layers without any feasible split are reported apart, never counted as within 1%.
  const int feasible = 40 - j["no_feasible_split"].get<int>();
  EXPECT_GE(feasible, 20);
  EXPECT_GE(j["within_1_percent"].get<int>(), feasible * 95 / 100);
  EXPECT_LE(j["within_1_percent"].get<int>(), feasible);
  EXPECT_EQ(j["infeasible_where_feasible_exists"].get<int>(), 0);
}

TEST_F(GgpCli, ModelPartitionsEveryConvolutionWithinTheFpgaResources) {
  const auto j = parsed(run_cli("ggp model resnet18 --json" + kSimulated));
  EXPECT_EQ(j["layers"].size(), 20u);  // dense convolutions, the 1x1 shortcuts included
  EXPECT_TRUE(j["partition"]["feasible"].get<bool>());
  for (const auto& use : j["resource_use"]["sim:cyclone10gx"]) EXPECT_LE(use.get<double>(), 1.0);
  EXPECT_GT(j["speedup"]["over_first_element_alone"].get<double>(), 1.0);
  EXPECT_EQ(j["figure"], "simulated");
}

TEST_F(GgpCli, BadInputGetsOneLine) {
  expect_one_line_error(run_cli("ggp layer --devices cpu0:fp32"), 3,
                        "no latency model of cpu0:fp32");
  expect_one_line_error(run_cli("ggp layer --devices sim:nope"), 3, "sim:nope");
  expect_one_line_error(run_cli("ggp layer --devices sim:jetson-tx2-cpu@nolink"), 3, "nolink");
  expect_one_line_error(run_cli("ggp layer --devices cpu0:fp32 --models " + dir_ + "/missing.json"),
                        3, "missing.json");
  std::ofstream(dir_ + "/bad.json")
      << "{\"element\": \"cpu0:fp32\", \"posynomial\": [{\"coefficient\": -1}]}";
  expect_one_line_error(run_cli("ggp layer --devices cpu0:fp32 --models " + dir_ + "/bad.json"), 3,
                        "not positive");
  expect_one_line_error(run_cli("ggp layer --N 0" + kSimulated), 2, "--N");
  expect_one_line_error(run_cli("ggp layer --technique diagonal" + kSimulated), 2, "diagonal");
  expect_one_line_error(run_cli("ggp model nonet" + kSimulated), 3, "nonet");
  expect_one_line_error(run_cli("ggp layer --devices sim:jetson-tx2-cpu,sim:jetson-tx2-cpu"), 3,
                        "named twice");
}

}  // namespace
}  // namespace splitinfer
