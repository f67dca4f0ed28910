// Choosing a schedule from the command line: the fidelity floor, a forced
// kind, and fidelity that `plan` measures equal to what `run` measures.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

using testing::run_cli;

class ScheduleCli : public testing::TwoCpuCliTest {
 protected:
  std::string db() const { return TwoCpuCliTest::db() + " --reps 3"; }
  nlohmann::json plan(const std::string& args) {
    const auto r = run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --json" + args + db());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(ScheduleCli, TheFloorChoosesTheFastestScheduleThatHoldsIt) {
  const auto free = plan("");
  const double fastest_db = free["schedule"]["fidelity_sqnr_db"].get<double>();
  const double floor = fastest_db + 0.5;
  const auto held = plan(" --min-sqnr " + std::to_string(floor));
  EXPECT_NEAR(held["min_sqnr_db"].get<double>(), floor, 1e-6);
  const auto& chosen = held["schedule"];
  EXPECT_GE(chosen["fidelity_sqnr_db"].get<double>(), floor);
  EXPECT_GE(chosen["period_ms"].get<double>(), free["schedule"]["period_ms"].get<double>());
  // Every faster candidate was measured and misses the floor.
  for (const auto& c : held["candidates"])
    if (c["period_ms"].get<double>() < chosen["period_ms"].get<double>()) {
      ASSERT_TRUE(c["fidelity_sqnr_db"].is_number()) << c.dump();
      EXPECT_LT(c["fidelity_sqnr_db"].get<double>(), floor) << c.dump();
    }
  // A floor nothing holds is a one-line error naming the best on offer.
  const auto r = run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --min-sqnr 500" + db());
  testing::expect_one_line_error(r, 3, "no schedule holds --min-sqnr 500.00 dB");
}

TEST_F(ScheduleCli, PlanMeasuresTheFidelityRunMeasures) {
  const auto p = plan(" --schedule pipeline");
  const int split = p["splits"][0].get<int>();
  const auto r = run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --split " +
                         std::to_string(split) + " --frames 20 --alone-frames 2 --json" + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["agreement_with_fp32"]["min_sqnr_db"].get<double>(),
                   p["schedule"]["fidelity_sqnr_db"].get<double>());
  EXPECT_EQ(j["agreement_with_fp32"]["top1_agreement"], p["schedule"]["fidelity_top1_same"][0]);
  // Data-parallel's planned fidelity is its worst element's on every frame;
  // the run deals the frames to both, so it measures at least that.
  EXPECT_GE(j["data_parallel"]["agreement_with_fp32"]["min_sqnr_db"].get<double>(),
            p["best_of_kind"]["data_parallel"]["fidelity_sqnr_db"].get<double>() - 1e-9);
}

TEST_F(ScheduleCli, RunForcesAKindAndReportsItsMeasuredPeriod) {
  const auto r = run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:fp32 --schedule data-parallel --frames 30 "
      "--alone-frames 2 --json" +
      db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schedule"]["kind"], "data_parallel");
  EXPECT_EQ(j["schedule"]["period_ms_measured"], j["data_parallel"]["period_ms_measured"]);
  EXPECT_EQ(j["schedule"]["period_ms_predicted"], j["data_parallel"]["period_ms_predicted"]);
  EXPECT_EQ(j["alternatives_measured"]["pipeline"], j["period_ms_measured"]);

  testing::expect_one_line_error(
      run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --split 3 --schedule data-parallel" + db()),
      3, "--split fixes a pipeline");
  testing::expect_one_line_error(
      run_cli("plan lenet5 --devices sim:vck190-dpu,sim:rtx2080 --min-sqnr 30" + db()), 3,
      "--min-sqnr measures fidelity by running the model here");
}

}  // namespace
}  // namespace splitinfer

namespace splitinfer {
namespace {

TEST_F(ScheduleCli, FrontierReportMeasuresEveryCandidate) {
  const std::string out = dir_ + "/frontier";
  const auto r =
      run_cli("report frontier lenet5 --devices cpu0:int8,cpu1:fp32 --json --out " + out + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["candidates"].size(), 14u);  // 13 splits and data-parallel
  double fastest = 1e300, most_faithful = -1e300;
  for (const auto& c : j["candidates"]) {
    ASSERT_TRUE(c["fidelity_sqnr_db"].is_number()) << c.dump();
    fastest = std::min(fastest, c["period_ms"].get<double>());
    most_faithful = std::max(most_faithful, c["fidelity_sqnr_db"].get<double>());
  }
  // Split 0 runs everything in FP32 on another core: bit for bit FP32.
  EXPECT_EQ(most_faithful, 200.0);
  bool fastest_on = false, faithful_on = false;
  for (const auto& c : j["candidates"]) {
    if (!c["on_frontier"].get<bool>()) continue;
    fastest_on = fastest_on || c["period_ms"].get<double>() == fastest;
    faithful_on = faithful_on || c["fidelity_sqnr_db"].get<double>() == most_faithful;
  }
  EXPECT_TRUE(fastest_on);
  EXPECT_TRUE(faithful_on);
  EXPECT_TRUE(std::filesystem::exists(out + "/lenet5-frontier-cpu0-int8-cpu1-fp32.svg"));
  EXPECT_TRUE(std::filesystem::exists(out + "/lenet5-frontier-cpu0-int8-cpu1-fp32.md"));
}

}  // namespace
}  // namespace splitinfer
