// `plan` and `run` as a user drives them on LeNet-5: the plan's arithmetic
// and speedups, a real pipelined run that matches its partitions run in
// turn, the sweep, and one-line errors for bad chains and split indices.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "graph/zoo/zoo.h"
#include "profile/machine_id.h"
#include "profile/model_hash.h"
#include "profile/profile_store.h"
#include "support/cli_fixture.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

class PlanRun : public testing::TwoCpuCliTest {
 protected:
  std::string db() const { return TwoCpuCliTest::db() + " --reps 3"; }
};

void expect_error(const testing::CliResult& r, const std::string& fragment) {
  testing::expect_one_line_error(r, 3, fragment);
}

TEST_F(PlanRun, TwoElementPlanIsConsistent) {
  const auto r = run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --json" + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["splits"].size(), 1u);
  const int split = j["splits"][0];
  EXPECT_GE(split, 0);
  EXPECT_LE(split, 12);
  ASSERT_EQ(j["stages"].size(), 2u);
  double slowest = 0.0, sum = 0.0;
  for (const auto& s : j["stages"]) {
    slowest = std::max(slowest, s["ms"].get<double>());
    sum += s["ms"].get<double>();
  }
  EXPECT_DOUBLE_EQ(j["period_ms"].get<double>(), slowest);
  EXPECT_NEAR(j["latency_ms"].get<double>(), sum, 1e-9);
  // Splits 0 and N (one element alone) are candidates, so the best plan is at
  // least as fast as either element alone.
  for (const char* e : {"cpu0:int8", "cpu1:fp32"}) {
    EXPECT_GE(j["speedup_over"][e].get<double>(), 1.0 - 1e-9) << e;
    EXPECT_NEAR(j["speedup_over"][e].get<double>(),
                j["alone_ms"][e].get<double>() / j["period_ms"].get<double>(), 1e-9);
  }
  for (const auto& other : j["runners_up"])
    EXPECT_GE(other["period_ms"].get<double>(), j["period_ms"].get<double>());
  EXPECT_EQ(j["profiled_now"].size(), 2u);
  // The second plan reuses the store.
  const auto again =
      nlohmann::json::parse(run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --json" + db()).out);
  EXPECT_TRUE(again["profiled_now"].empty());
  // Every split index and the data-parallel schedule are candidates, best
  // first within the pipelines; the cheapest under the objective is chosen.
  ASSERT_EQ(j["candidates"].size(), 14u);
  EXPECT_EQ(j["candidates"][0]["kind"], "pipeline");
  EXPECT_EQ(j["candidates"][0]["period_ms"], j["period_ms"]);
  EXPECT_EQ(j["candidates"][13]["kind"], "data_parallel");
  const double dp = j["candidates"][13]["period_ms"].get<double>();
  EXPECT_GT(dp, 0.0);
  EXPECT_EQ(j["schedule"]["kind"],
            j["period_ms"].get<double>() <= dp ? "pipeline" : "data_parallel");
  // The best of each kind carries its fidelity to FP32, measured.
  for (const char* kind : {"pipeline", "data_parallel"}) {
    const auto& best = j["best_of_kind"][kind];
    EXPECT_EQ(best["kind"], kind);
    ASSERT_TRUE(best["fidelity_sqnr_db"].is_number()) << kind;
    EXPECT_GT(best["fidelity_sqnr_db"].get<double>(), 10.0) << kind;
  }
}

TEST_F(PlanRun, ThreeElementChainUsesTheDynamicProgram) {
  const auto r = run_cli(
      "plan lenet5 --devices cpu0:int8,cpu1:fp32,cpu1:int8 --objective latency --json" + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["search"], "every cut vector");  // cpu1 is shared
  // The queue between every pair is measured; the plan prices the slowest.
  ASSERT_EQ(j["links_measured"].size(), 3u);
  double slowest = 0.0;
  for (const auto& l : j["links_measured"])
    slowest = std::max(slowest, l["latency_ms"].get<double>());
  EXPECT_EQ(j["link"]["latency_ms"].get<double>(), slowest);
  ASSERT_EQ(j["splits"].size(), 2u);
  EXPECT_LE(j["splits"][0].get<int>(), j["splits"][1].get<int>());
  EXPECT_EQ(j["stages"].size(), 3u);
}

// Data-parallel replicas on cores of their own are priced from the whole
// model timed beside each other (measured once, then read from the store);
// replicas that take turns on one core are priced from their times alone.
TEST_F(PlanRun, DataParallelReplicasArePricedFromTimesBesideTheirPartners) {
  const std::string cmd = "plan lenet5 --schedule data-parallel --json" + db();
  const auto r = run_cli(cmd + " --devices cpu0:int8,cpu1:fp32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["schedule"]["kind"], "data_parallel");
  EXPECT_EQ(j["schedule"]["whole_model_basis"],
            nlohmann::json({"measured beside its partners", "measured beside its partners"}));
  const auto& ms = j["schedule"]["whole_model_ms"];
  EXPECT_NEAR(j["schedule"]["period_ms"].get<double>(),
              1.0 / (1.0 / ms[0].get<double>() + 1.0 / ms[1].get<double>()), 1e-9);
  const auto again = nlohmann::json::parse(run_cli(cmd + " --devices cpu0:int8,cpu1:fp32").out);
  EXPECT_EQ(again["schedule"]["whole_model_ms"], ms);  // from the store, not measured again
  const auto shared = run_cli(cmd + " --devices cpu0:int8,cpu0:fp32");
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_EQ(nlohmann::json::parse(shared.out)["schedule"]["whole_model_basis"],
            nlohmann::json({"measured partition", "measured partition"}));
}

TEST_F(PlanRun, StagesThatShareACoreAddUpInThePeriod) {
  const auto r = run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32,cpu0:fp32 --json" + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["search"], "every cut vector");
  const auto& st = j["stages"];
  ASSERT_EQ(st.size(), 3u);
  const double cpu0 = st[0]["ms"].get<double>() + st[2]["ms"].get<double>();
  EXPECT_NEAR(j["period_ms"].get<double>(), std::max(cpu0, st[1]["ms"].get<double>()), 1e-9);
}

TEST_F(PlanRun, RunMeasuresThePipelineAndMatchesStagesRunInTurn) {
  const auto r = run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:fp32 --split 5 --frames 60 --sweep "
      "--sweep-frames 10 --rematch-rounds 3 --json" +
      db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["split"], 5);
  EXPECT_EQ(j["frames"], 3 * 60);  // three rounds by default
  EXPECT_FALSE(j["interrupted"].get<bool>());
  EXPECT_GT(j["period_ms_measured"].get<double>(), 0.0);
  EXPECT_GT(j["period_ms_predicted"].get<double>(), 0.0);
  // The thread that submitted the frames spent CPU on each (copying it in);
  // it cannot have spent much more per frame than the run took per frame.
  for (const auto& figures : {j, j["data_parallel"]}) {
    EXPECT_GT(figures["producer_cpu_ms_per_frame"].get<double>(), 0.0);
    EXPECT_LT(figures["producer_cpu_ms_per_frame"].get<double>(),
              2.0 * figures["period_ms_measured"].get<double>());
  }
  EXPECT_LE(j["latency_ms_p50"].get<double>(), j["latency_ms_p99"].get<double>());
  // Latency twice: one frame in flight at a time, and the saturated pipeline.
  EXPECT_GT(j["latency_ms_unloaded_p50"].get<double>(), 0.0);
  EXPECT_LE(j["latency_ms_unloaded_p50"].get<double>(), j["latency_ms_unloaded_p99"].get<double>());
  EXPECT_TRUE(j["speedup_over"].contains("cpu0:int8"));
  EXPECT_TRUE(j["speedup_over"].contains("cpu1:fp32"));
  const auto& a = j["agreement_with_fp32"];
  EXPECT_EQ(a["frames"], 8);
  EXPECT_TRUE(a["bit_exact_with_stages_in_turn"].get<bool>());
  EXPECT_GE(a["min_sqnr_db"].get<double>(), 20.0);
  EXPECT_TRUE(a["output_is_class_scores"].get<bool>());  // LeNet-5's 1x10: top-1 applies
  ASSERT_EQ(j["sweep"].size(), 13u);
  for (int s = 0; s <= 12; ++s) EXPECT_EQ(j["sweep"][static_cast<size_t>(s)]["split"], s);
  // Each element's whole model alone, measured now, over its profile's time:
  // split 12 is the whole model on cpu0:int8, split 0 on cpu1:fp32.
  for (const auto& [element, split] : {std::pair{"cpu0:int8", 12}, std::pair{"cpu1:fp32", 0}})
    EXPECT_DOUBLE_EQ(j["alone_over_profile"][element].get<double>(),
                     j["alone_ms_measured"][element].get<double>() /
                         j["sweep"][split]["period_ms_predicted"].get<double>())
        << element;

  // The data-parallel schedule is measured beside the split, on the same frames.
  const auto& dp = j["data_parallel"];
  EXPECT_GT(dp["period_ms_measured"].get<double>(), 0.0);
  EXPECT_GT(dp["period_ms_from_alone"].get<double>(), 0.0);
  EXPECT_GT(dp["period_ms_predicted"].get<double>(), 0.0);
  EXPECT_EQ(dp["frames_per_element"]["cpu0:int8"].get<int>() +
                dp["frames_per_element"]["cpu1:fp32"].get<int>(),
            3 * 60);
  EXPECT_TRUE(dp["speedup_over"].contains("cpu1:fp32"));
  EXPECT_EQ(j["alternatives_measured"]["pipeline"], j["period_ms_measured"]);
  EXPECT_EQ(j["alternatives_measured"]["data_parallel"], dp["period_ms_measured"]);
  const bool pipeline_wins =
      j["period_ms_measured"].get<double>() <= dp["period_ms_measured"].get<double>();
  EXPECT_EQ(j["best_measured"], pipeline_wins ? "pipeline" : "data_parallel");

  // The fastest of the sweep and data-parallel, measured again beside the
  // chosen split 5 in alternating rounds unless it is split 5 itself.
  std::string best = "data-parallel";
  double best_ms = dp["period_ms_measured"].get<double>();
  for (const auto& row : j["sweep"])
    if (row["period_ms_measured"].get<double>() < best_ms) {
      best_ms = row["period_ms_measured"].get<double>();
      best = "split " + std::to_string(row["split"].get<int>());
    }
  const auto& rematch = j["sweep_rematch"];
  EXPECT_EQ(rematch["best"], best);
  EXPECT_EQ(rematch["chosen_is_the_fastest"].get<bool>(), best == "split 5");
  if (best != "split 5") {
    ASSERT_EQ(rematch["rounds"], 3);
    ASSERT_EQ(rematch["chosen_period_ms_measured"].size(), 3u);
    ASSERT_EQ(rematch["best_period_ms_measured"].size(), 3u);
    std::vector<double> ratios;
    for (size_t i = 0; i < 3; ++i)
      ratios.push_back(rematch["chosen_period_ms_measured"][i].get<double>() /
                       rematch["best_period_ms_measured"][i].get<double>());
    std::sort(ratios.begin(), ratios.end());
    EXPECT_DOUBLE_EQ(rematch["chosen_over_best_median"].get<double>(), ratios[1]);
  }
}

TEST_F(PlanRun, TheSchedulesTakeTurnsInRounds) {
  const auto r = run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:fp32 --split 5 --frames 20 --rounds 4 --json" + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["frames"], 4 * 20);
  const auto& dp = j["data_parallel"];
  EXPECT_EQ(dp["frames_per_element"]["cpu0:int8"].get<int>() +
                dp["frames_per_element"]["cpu1:fp32"].get<int>(),
            4 * 20);
  // Each period is the median of its four rounds: the mean of the middle two.
  for (const auto& figures : {j, dp}) {
    std::vector<double> rounds = figures["period_ms_measured_rounds"].get<std::vector<double>>();
    ASSERT_EQ(rounds.size(), 4u);
    for (double ms : rounds) EXPECT_GT(ms, 0.0);
    std::sort(rounds.begin(), rounds.end());
    EXPECT_DOUBLE_EQ(figures["period_ms_measured"].get<double>(), (rounds[1] + rounds[2]) / 2);
  }
  EXPECT_TRUE(j["agreement_with_fp32"]["bit_exact_with_stages_in_turn"].get<bool>());
  EXPECT_EQ(dp["agreement_with_fp32"]["frames"], 8);
  testing::expect_one_line_error(run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --rounds 0"), 2,
                                 "--rounds");
}

TEST_F(PlanRun, ADriftedProfileIsPointedOut) {
  // cpu0:int8's profile as if taken when the machine ran 100 times slower:
  // the run measures the whole model in far less time and says so.
  ASSERT_EQ(run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32" + db()).exit_code, 0);
  const ProfileKey key{structure_hash(build_zoo_model("lenet5", std::nullopt)), "lenet5",
                       "cpu0:int8", machine_id(), 12};
  double profiled_ms = 0.0;
  {
    ProfileStore store(dir_ + "/p.sqlite");
    std::vector<RangeTiming> timings = store.get(key);
    ASSERT_FALSE(timings.empty());
    for (RangeTiming& t : timings) {
      t.median_ms *= 100;
      t.p10_ms *= 100;
      t.p90_ms *= 100;
      if (t.first_unit == 0 && t.last_unit == 12) profiled_ms = t.median_ms;
    }
    store.put(key, timings);
    std::optional<RangeTiming> beside = store.find_beside(key, partners_key({"cpu1:fp32"}));
    ASSERT_TRUE(beside.has_value());
    beside->median_ms *= 100;
    beside->p10_ms *= 100;
    beside->p90_ms *= 100;
    store.put_beside(key, partners_key({"cpu1:fp32"}), *beside);
  }
  const std::string run = "run lenet5 --devices cpu0:int8,cpu1:fp32 --split 6 --frames 10";
  const auto text = run_cli(run + db());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("faster than its profile says"), std::string::npos) << text.out;
  const auto j = nlohmann::json::parse(run_cli(run + " --json" + db()).out);
  const double drift = j["alone_over_profile"]["cpu0:int8"].get<double>();
  EXPECT_DOUBLE_EQ(drift, j["alone_ms_measured"]["cpu0:int8"].get<double>() / profiled_ms);
  EXPECT_LT(drift, 0.1);
  // At the run's speed each element's profiled times are carried by that
  // ratio: the 100x comes back out of the pipeline's prediction, and
  // data-parallel's is its replicas' predicted times so carried, rates added.
  EXPECT_LT(j["period_ms_predicted_at_run_speed"].get<double>(),
            j["period_ms_predicted"].get<double>() * 0.1);
  const auto& dp = j["data_parallel"];
  double rate = 0.0;
  for (const auto& [e, predicted] : dp["frame_ms_predicted"].items())
    rate += 1.0 / (predicted["ms"].get<double>() * j["alone_over_profile"][e].get<double>());
  EXPECT_NEAR(dp["period_ms_predicted_at_run_speed"].get<double>() * rate, 1.0, 1e-9);
  EXPECT_LT(dp["period_ms_predicted_at_run_speed"].get<double>(),
            dp["period_ms_predicted"].get<double>());
  EXPECT_EQ(j["schedule"]["period_ms_predicted_at_run_speed"],
            j["schedule"]["kind"] == "pipeline"
                ? j["period_ms_predicted_at_run_speed"]
                : j["data_parallel"]["period_ms_predicted_at_run_speed"]);
  EXPECT_NE(text.out.find("at this run's speed"), std::string::npos) << text.out;
}

TEST_F(PlanRun, InterruptStopsALongRunWithThePartialReport) {
  ASSERT_EQ(run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --json" + db()).exit_code,
            0);  // profiled
  const auto r = run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:fp32 --split 6 --frames 100000000 --json" + db(), 3);
  EXPECT_EQ(r.exit_code, 130) << r.err;  // ErrorKind::interrupted
  EXPECT_NE(r.err.find("interrupted after"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_GT(j["frames"].get<int64_t>(), 0);
  EXPECT_LT(j["frames"].get<int64_t>(), 100000000);
}

TEST_F(PlanRun, ReportTable1WritesTheTableAndPlots) {
  const std::string out = dir_ + "/t1";
  const auto r =
      run_cli("report table1 --models lenet5,resnet18 --devices none --json --out " + out + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 2u);
  const auto& row = j["rows"][1];
  EXPECT_EQ(row["model"], "resnet18");
  EXPECT_EQ(row["simulated"]["direct"]["figure"], "simulated");
  EXPECT_EQ(row["simulated_left_out"]["indirect"]["figure"], "simulated");
  EXPECT_EQ(row["simulated_spec"]["direct"]["figure"], "simulated");
  EXPECT_EQ(j["simulated_validation"]["left_out"]["models"], 2);
  EXPECT_FALSE(j["simulated_fit_sources"].empty());
  EXPECT_EQ(row["paper"]["direct"]["split"], 10);  // the paper's value
  EXPECT_TRUE(row["real"].empty());
  for (const char* f :
       {"/table1.md", "/table1.json", "/plots/resnet18-bytes.svg",
        "/plots/resnet18-stages-simulated.svg", "/plots/resnet18-transfer-simulated.svg"})
    EXPECT_TRUE(fs::exists(out + f)) << f;
  expect_error(run_cli("report table1 --models resnet18,vgg19 --out " + out + db()), "vgg19");
  expect_error(run_cli("report table1 --sim-devices sim:a,sim:b --out " + out + db()), "sim:a");
  expect_error(run_cli("report table1 --devices cpu0:int8,cpu1:fp32,cpu0:fp32 --out " + out + db()),
               "--devices 'cpu0:int8,cpu1:fp32,cpu0:fp32' is not two elements");
}

// One measured column group per pair of real elements, in the order given.
TEST_F(PlanRun, ReportTable1MeasuresEveryPairGiven) {
  const std::string out = dir_ + "/t1pairs";
  const auto r = run_cli(
      "report table1 --models lenet5 --devices cpu0:int8,cpu1:fp32 --devices cpu0:fp32,cpu1:int8 "
      "--sim-devices none --frames 10 --json --out " +
      out + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& real = j["rows"][0]["real"];
  ASSERT_EQ(real.size(), 2u);
  EXPECT_EQ(real[1]["elements"], nlohmann::json({"cpu0:fp32", "cpu1:int8"}));
  for (const auto& pair : real) {
    EXPECT_EQ(pair["measured"]["figure"], "measured");
    EXPECT_GT(pair["measured"]["period_ms"].get<double>(), 0.0);
  }
  for (const char* f : {"/plots/lenet5-stages-measured-cpu0-int8-cpu1-fp32.svg",
                        "/plots/lenet5-stages-measured-cpu0-fp32-cpu1-int8.svg"})
    EXPECT_TRUE(fs::exists(out + f)) << f;
}

// The simulated elements are priced by their fit to published times unless
// told otherwise; the two pricings give different plans' periods.
TEST_F(PlanRun, SimModelChoosesHowSimulatedElementsArePriced) {
  auto period = [&](const std::string& model) {
    const auto r = run_cli("plan resnet50 --devices sim:vck190-dpu,sim:rtx2080 --json" +
                           (model.empty() ? "" : " --sim-model " + model) + db());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["sim_model"], model.empty() ? "fitted" : model);
    return j["period_ms"].get<double>();
  };
  EXPECT_EQ(period(""), period("fitted"));
  EXPECT_NE(period("fitted"), period("spec"));
  // A value outside the choices is a usage error, as for every option.
  testing::expect_one_line_error(
      run_cli("plan resnet50 --devices sim:vck190-dpu,sim:rtx2080 --sim-model roofline" + db()), 2,
      "--sim-model: roofline not in {fitted,spec}");
}

TEST_F(PlanRun, BadChainsAndSplitsAreOneLineErrors) {
  expect_error(run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --split 13" + db()),
               "split index 13 is out of range");
  expect_error(run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --split ten" + db()),
               "--split 'ten'");
  expect_error(run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32 --split 3,4" + db()),
               "2 elements need 1 split indices");
  expect_error(run_cli("plan lenet5 --devices cpu0:int8" + db()), "give 2 to 8");
  testing::expect_one_line_error(
      run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --passes 0" + db()), 2, "--passes");
  expect_error(run_cli("plan lenet5 --devices cpu0:int8,cpu0:int8" + db()),
               "--devices names cpu0:int8 twice");
  expect_error(run_cli("run lenet5 --devices cpu1:fp32,cpu0:int8,cpu1:fp32" + db()),
               "--devices names cpu1:fp32 twice");
  expect_error(run_cli("plan lenet5 --devices cpu0:int8,gpu9:fp32" + db()), "gpu9");
  expect_error(run_cli("plan lenet5 --devices cpu0:int8,cpu64:fp32" + db()), "cpu64");
  expect_error(run_cli("run lenet5 --devices cpu0:int8,sim:rtx2080" + db()), "simulated");
  expect_error(run_cli("run lenet5 --devices cpu0:int8,cpu1:fp32,cpu0:fp32 --sweep" + db()),
               "--sweep");
  expect_error(run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --link-spec warp-drive" + db()),
               "warp-drive");
  EXPECT_FALSE(fs::exists(dir_ + "/p.sqlite-journal"));
}

}  // namespace
}  // namespace splitinfer
