// `predict train`, `predict eval`, `predict MODEL` and `plan --planner gnn`
// as a user drives them, on a small slice of the committed dataset and a few
// epochs: the files they write, the JSON contract of DESIGN.md, and
// one-line errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "predict/dataset_file.h"
#include "support/cli_fixture.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::expect_one_line_error;
using testing::run_cli;

const std::string kDataset = std::string(SPLITINFER_SOURCE_DIR) + "/data/predict/dataset.json.gz";

class PredictCli : public testing::TwoCpuCliTest {
 protected:
  // Trains on the dataset's first 60 models: 42 training, 9 validation, 9 test.
  std::string train() {
    const std::string out = dir_ + "/predictors";
    const auto r = run_cli("predict train --dataset " + kDataset +
                           " --models 60 --epochs 2 --hidden 8 --tree-rounds 5 "
                           "--json --out " +
                           out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    trained_ = json::parse(r.out, nullptr, false);
    return out;
  }
  json trained_;
};

void expect_table2_scores(const json& doc, int test_models) {
  for (const char* predictor : {"latency_model", "partition_model", "tree_baseline"}) {
    ASSERT_TRUE(doc.contains(predictor)) << predictor;
    const json& s = doc[predictor];
    for (const char* metric :
         {"layerwise_accuracy", "mape_partition_index", "mape_latency", "agreement"}) {
      ASSERT_TRUE(s[metric].is_number()) << predictor << " " << metric;
      EXPECT_GE(s[metric].get<double>(), 0.0);
    }
    EXPECT_LE(s["layerwise_accuracy"].get<double>(), 100.0);
    EXPECT_LE(s["agreement"].get<double>(), 100.0);
    EXPECT_EQ(s["test_models"], test_models);
  }
  EXPECT_EQ(doc["predictions"].size(), static_cast<size_t>(test_models));
  // The trivial predictor, always one element, is scored beside them.
  const json& constant = doc["constant_baseline"];
  EXPECT_TRUE(constant["split"] == "N" || constant["split"] == "0") << constant.dump();
  EXPECT_TRUE(constant["score"]["mape_latency"].is_number());
  // Absolute accuracy of the predicted times; none for a partition model
  // trained without them.
  ASSERT_TRUE(doc["anchored_latency_model"]["layerwise_accuracy"].is_number());
  for (const char* predictor : {"latency_model", "tree_baseline", "anchored_latency_model"}) {
    const json& s = doc[predictor];
    for (const char* e : {"first", "second"}) {
      EXPECT_GE(s["partition_time_within_10_percent"][e].get<double>(), 0.0);
      EXPECT_LE(s["partition_time_within_10_percent"][e].get<double>(), 100.0);
      EXPECT_GE(s["partition_time_mape"][e].get<double>(), 0.0);
    }
    EXPECT_GE(s["chosen_split_objective_mape"].get<double>(), 0.0);
  }
  EXPECT_TRUE(doc["partition_model"]["chosen_split_objective_mape"].is_null());
}

TEST_F(PredictCli, TrainSavesPredictorsThatEvalScoresOnTheHeldOutModels) {
  const std::string out = train();
  ASSERT_TRUE(trained_.is_object());
  expect_table2_scores(trained_, 9);
  EXPECT_EQ(trained_["objective"], "throughput");  // the pipeline's, the paper's, by default
  for (const char* file : {"manifest.json", "first_latency.pt", "second_latency.pt", "partition.pt",
                           "tree_first.json", "tree_second.json"})
    EXPECT_TRUE(fs::is_regular_file(out + "/" + file)) << file;
  EXPECT_EQ(trained_["training"]["first_latency"]["epochs"], 2);

  const std::string svg = dir_ + "/fig8.svg";
  const auto r = run_cli("predict eval --json --dataset " + kDataset + " --predictors " + out +
                         " --plot " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json ev = json::parse(r.out);
  expect_table2_scores(ev, 9);
  // The same weights and test models give the same splits.
  EXPECT_EQ(ev["predictions"], trained_["predictions"]);
  // Test models are never training models.
  const json manifest = json::parse(std::ifstream(out + "/manifest.json"));
  for (const auto& seed : manifest["test_seeds"])
    for (const auto& training : manifest["training_seeds"]) EXPECT_NE(seed, training);
  std::ifstream plot(svg);
  const std::string text((std::istreambuf_iterator<char>(plot)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("measured"), std::string::npos);
}

// The partition model trained again alone, with its own regularisation: the
// latency models are the loaded ones, the manifest records the options, and
// the validation models can be scored instead of the test models.
TEST_F(PredictCli, RetrainsThePartitionModelAloneAndScoresTheValidationModels) {
  const std::string first = train();
  const std::string again = dir_ + "/regularised";
  const auto r = run_cli("predict train --dataset " + kDataset + " --retrain-partition-of " +
                         first + " --epochs 2 --hidden 8 --partition-weight-decay 0.01 " +
                         "--partition-dropout 0.2 --json --out " + again);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["training"]["partition"]["weight_decay"], 0.01);
  EXPECT_EQ(doc["training"]["partition"]["dropout"], 0.2);
  EXPECT_EQ(doc["training"]["first_latency"]["dropout"], 0.0);  // loaded, not retrained
  EXPECT_EQ(doc["training"]["first_latency"], trained_["training"]["first_latency"]);
  json scores = doc["latency_model"], before = trained_["latency_model"];
  scores.erase("inference_ms_per_model");  // a timing
  before.erase("inference_ms_per_model");
  EXPECT_EQ(scores, before);  // the same latency models
  for (const char* file : {"first_latency.pt", "second_latency.pt"}) {
    std::ifstream a(first + "/" + file, std::ios::binary), b(again + "/" + file, std::ios::binary);
    EXPECT_TRUE(
        std::equal(std::istreambuf_iterator<char>(a), {}, std::istreambuf_iterator<char>(b), {}))
        << file;
  }

  const auto v = run_cli("predict eval --json --on validation --dataset " + kDataset +
                         " --predictors " + again);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  const json ev = json::parse(v.out);
  EXPECT_EQ(ev["scored_on"], "validation");
  EXPECT_EQ(ev["test_models"], 9);  // 9 validation models of 60
  EXPECT_NE(ev["predictions"], doc["predictions"]);
}

// An ensemble of partition models: one weights file per member, each
// member's training report in the manifest, every member loaded to score;
// retrained with fewer members, the extra reports go.
TEST_F(PredictCli, TrainsAnEnsembleOfPartitionModels) {
  const std::string first = train();
  const std::string ensemble = dir_ + "/ensemble";
  const auto r =
      run_cli("predict train --dataset " + kDataset + " --retrain-partition-of " + first +
              " --epochs 2 --hidden 8 --partition-models 3 --json --out " + ensemble);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"partition.pt", "partition_2.pt", "partition_3.pt"})
    EXPECT_TRUE(fs::exists(ensemble + "/" + file)) << file;
  const json manifest = json::parse(std::ifstream(ensemble + "/manifest.json"));
  EXPECT_EQ(manifest["partition_models"], 3);
  for (const char* member : {"partition", "partition_2", "partition_3"})
    EXPECT_TRUE(manifest["training"].contains(member)) << member;
  const auto v = run_cli("predict eval --json --dataset " + kDataset + " --predictors " + ensemble);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(json::parse(v.out)["predictions"], json::parse(r.out)["predictions"]);

  const std::string single = dir_ + "/single";
  ASSERT_EQ(run_cli("predict train --dataset " + kDataset + " --retrain-partition-of " + ensemble +
                    " --epochs 2 --hidden 8 --out " + single)
                .exit_code,
            0);
  const json one = json::parse(std::ifstream(single + "/manifest.json"));
  EXPECT_EQ(one["partition_models"], 1);
  EXPECT_TRUE(one["training"].contains("partition"));
  EXPECT_FALSE(one["training"].contains("partition_2"));

  // A member's file missing is named.
  fs::remove(ensemble + "/partition_3.pt");
  expect_one_line_error(run_cli("predict lenet5 --predictors " + ensemble + db()), 3,
                        "partition_3.pt");
}

TEST_F(PredictCli, APartitionModelWithTheTimesIsScoredOnThemToo) {
  const std::string first = train();
  const std::string timed = dir_ + "/timed";
  ASSERT_EQ(run_cli("predict train --dataset " + kDataset + " --retrain-partition-of " + first +
                    " --epochs 2 --hidden 8 --partition-time-weight 1 --out " + timed)
                .exit_code,
            0);
  const auto eval = [&](const std::string& weight) {
    return run_cli("predict eval --json --dataset " + kDataset + " --predictors " + timed +
                   " --partition-objective-weight " + weight);
  };
  const auto r = eval("50");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["partition_objective_weight"], 50.0);
  const json& partition = doc["partition_model"];
  for (const char* e : {"first", "second"}) {
    EXPECT_GE(partition["partition_time_mape"][e].get<double>(), 0.0);
    EXPECT_LE(partition["partition_time_within_10_percent"][e].get<double>(), 100.0);
  }
  EXPECT_GE(partition["chosen_split_objective_mape"].get<double>(), 0.0);
  expect_one_line_error(eval("-1"), 2, "--partition-objective-weight");

  const auto m = run_cli("predict lenet5 --json --predictors " + timed + db());
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_GT(json::parse(m.out)["partition_model"]["objective_ms_predicted"].get<double>(), 0.0);
}

// The committed predictors of each pair, scored on their committed dataset,
// give the Table 2 that docs/predict.md publishes from docs/predict/.../eval.json.
TEST_F(PredictCli, CommittedPredictorsReproduceThePublishedTable2) {
  const std::string root = SPLITINFER_SOURCE_DIR;
  struct Pair {
    std::string dataset, predictors, published;
  };
  for (const Pair& pair :
       {Pair{"data/predict/dataset.json.gz", "data/predict/gnn", "docs/predict/eval.json"},
        Pair{"data/predict/int8-bf16/dataset.json.gz", "data/predict/int8-bf16/gnn",
             "docs/predict/int8-bf16/eval.json"}}) {
    SCOPED_TRACE(pair.predictors);
    const auto r = run_cli("predict eval --json --dataset " + root + "/" + pair.dataset +
                           " --predictors " + root + "/" + pair.predictors);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json now = json::parse(r.out);
    const json published = json::parse(std::ifstream(root + "/" + pair.published));
    EXPECT_EQ(now["predictions"], published["predictions"]);
    for (const char* predictor :
         {"latency_model", "partition_model", "tree_baseline", "anchored_latency_model",
          "measured_unit_sums", "anchored_measured_unit_sums"})
      for (const char* metric : {"layerwise_accuracy", "mape_partition_index", "mape_latency",
                                 "agreement", "chosen_split_objective_mape"}) {
        const json& a = now[predictor][metric];
        const json& b = published[predictor][metric];
        if (b.is_null()) {
          EXPECT_TRUE(a.is_null()) << predictor << " " << metric;
          continue;
        }
        EXPECT_NEAR(a.get<double>(), b.get<double>(), 1e-6) << predictor << " " << metric;
      }
    EXPECT_EQ(now["constant_baseline"]["score"]["agreement"],
              published["constant_baseline"]["score"]["agreement"]);
  }
}

// The reference beside the predictors is each test model's own measured unit
// times added up: recomputed here from the records, partition by partition.
TEST_F(PredictCli, TheMeasuredUnitSumsReferenceAddsEachModelsOwnUnitTimes) {
  const std::string root = SPLITINFER_SOURCE_DIR;
  const auto r = run_cli("predict eval --json --dataset " + kDataset + " --predictors " + root +
                         "/data/predict/gnn");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json ev = json::parse(r.out);
  std::map<uint64_t, const predict::ModelRecord*> by_seed;
  const predict::Dataset dataset = predict::load_dataset(kDataset);
  for (const auto& m : dataset.models) by_seed[m.seed] = &m;
  double first_error = 0.0, second_error = 0.0;
  int64_t partitions = 0;
  for (const json& p : ev["predictions"]) {
    const predict::ModelRecord& m = *by_seed.at(p["seed"].get<uint64_t>());
    const size_t n = m.unit_ms[0].size();
    for (size_t i = 0; i < n; ++i) {
      double prefix = 0.0, suffix = 0.0;
      for (size_t j = 0; j <= i; ++j) prefix += m.unit_ms[0][j];
      for (size_t j = i; j < n; ++j) suffix += m.unit_ms[1][j];
      first_error += std::abs(prefix - m.first_ms[i + 1]) / m.first_ms[i + 1];
      second_error += std::abs(suffix - m.second_ms[i]) / m.second_ms[i];
    }
    partitions += static_cast<int64_t>(n);
  }
  const json& mape = ev["measured_unit_sums"]["partition_time_mape"];
  EXPECT_NEAR(mape["first"].get<double>(), 100.0 * first_error / partitions, 1e-9);
  EXPECT_NEAR(mape["second"].get<double>(), 100.0 * second_error / partitions, 1e-9);
  EXPECT_GT(mape["second"].get<double>(), 1.0);  // the times do not add up exactly
}

TEST_F(PredictCli, PlanWithTheGnnPlannerProfilesNothing) {
  const std::string out = train();
  const auto r = run_cli(
      "plan resnet18 --devices cpu0:int8,cpu1:fp32 --planner gnn --objective latency --json "
      "--predictors " +
      out + db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json plan = json::parse(r.out);
  EXPECT_EQ(plan["search"], "exhaustive over GNN predictions");
  EXPECT_TRUE(plan["profiled_now"].empty());
  EXPECT_FALSE(fs::exists(dir_ + "/p.sqlite"));
  EXPECT_NE(plan.dump().find("predicted"), std::string::npos);

  const auto p = run_cli("predict resnet18 --json --predictors " + out + db() + " --plot " + dir_ +
                         "/fig9.svg");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const json predicted = json::parse(p.out);
  EXPECT_EQ(predicted["units"], 15);  // 16 split indices
  EXPECT_EQ(predicted["predicted_ms"]["first"].size(), 15u);
  EXPECT_EQ(predicted["basis"], "predicted");
  for (const char* predictor : {"latency_model", "partition_model", "tree_baseline"}) {
    const int k = predicted[predictor]["split"];
    EXPECT_GE(k, 0);
    EXPECT_LE(k, 15);
  }
  EXPECT_FALSE(predicted.contains("measured"));                // nothing profiled in this store
  EXPECT_FALSE(predicted.contains("anchored_latency_model"));  // it needs measured times
  EXPECT_TRUE(fs::is_regular_file(dir_ + "/fig9.svg"));
}

TEST_F(PredictCli, PredictScoresEverySplitOnTheMeasuredProfile) {
  const std::string out = train();
  ASSERT_EQ(run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --reps 2" + db()).exit_code, 0);
  const auto p = run_cli("predict lenet5 --json --predictors " + out + db());
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const json predicted = json::parse(p.out);
  const json& measured = predicted["measured"];
  EXPECT_FALSE(measured["machine"].get<std::string>().empty());  // where it was measured
  ASSERT_EQ(measured["objective_ms"].size(), 13u);               // split indices 0..12
  const auto& objective = measured["objective_ms"];
  const int best = measured["best_split"];
  for (const auto& ms : objective) EXPECT_GE(ms.get<double>(), objective[best].get<double>());
  // Speedups over the faster element alone; no predictor beats the best split.
  EXPECT_DOUBLE_EQ(measured["best_speedup"].get<double>(),
                   std::min(objective.front().get<double>(), objective.back().get<double>()) /
                       objective[best].get<double>());
  for (const char* predictor :
       {"latency_model", "partition_model", "tree_baseline", "anchored_latency_model"}) {
    const json& row = predicted[predictor];
    EXPECT_DOUBLE_EQ(row["objective_ms_measured"].get<double>(),
                     objective[row["split"].get<int>()].get<double>())
        << predictor;
    EXPECT_LE(row["speedup_measured"].get<double>(), measured["best_speedup"].get<double>())
        << predictor;
  }
}

TEST_F(PredictCli, BadInputIsAOneLineError) {
  const std::string out = train();
  // Predictors of one pair do not score a dataset measured on another.
  predict::Dataset other = predict::load_dataset(kDataset);
  other.elements = {"cpu0:int8", "cpu1:bf16"};
  other.models.resize(60);
  predict::save_dataset(dir_ + "/bf16.json.gz", other);
  expect_one_line_error(
      run_cli("predict eval --dataset " + dir_ + "/bf16.json.gz --predictors " + out), 3,
      "measured on cpu0:int8 -> cpu1:bf16");
  expect_one_line_error(
      run_cli("plan lenet5 --devices cpu1:fp32,cpu0:int8 --planner gnn --predictors " + out + db()),
      3, "know cpu0:int8,cpu1:fp32");
  expect_one_line_error(
      run_cli("plan lenet5 --devices cpu0:int8,cpu1:fp32 --planner gnn --predictors " + dir_ +
              "/none" + db()),
      3, "no trained predictors");
  expect_one_line_error(
      run_cli("predict eval --dataset " + kDataset + " --predictors " + out + " --plot-seed 1"), 3,
      "--plot-seed needs --plot");
  expect_one_line_error(run_cli("predict"), 2, "subcommand");
  expect_one_line_error(run_cli("predict train --dataset " + dir_ + "/missing.json.gz"), 3,
                        "missing.json.gz");
  expect_one_line_error(run_cli("predict lenet6 --predictors " + out), 3, "lenet6");
  expect_one_line_error(run_cli("predict train --dataset " + kDataset + " --out " + dir_ +
                                "/soft --partition-loss cut --label-tolerance 0.05"),
                        3, "need the per-unit partition loss");
  EXPECT_FALSE(fs::exists(dir_ + "/soft"));

  // A truncated weights file and a corrupt manifest name the file at fault.
  fs::resize_file(out + "/partition.pt", fs::file_size(out + "/partition.pt") / 3);
  expect_one_line_error(run_cli("predict lenet5 --predictors " + out + db()), 3, "partition.pt");
  std::ofstream(out + "/manifest.json")
      << "{\"format\": \"splitinfer split predictors\", \"version\": 1";
  expect_one_line_error(run_cli("predict eval --dataset " + kDataset + " --predictors " + out), 3,
                        "manifest.json");
}

}  // namespace
}  // namespace splitinfer
