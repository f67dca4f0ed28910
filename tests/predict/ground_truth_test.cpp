// The ground truth of one small random CNN measured for real with one
// repetition: the record agrees with the profile store's rows, with the cut
// tensors' sizes counted from the graph, and with the stage, transfer and
// latency arithmetic done by hand; its best splits are minima of its curves.
#include "predict/ground_truth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <thread>

#include "common/error.h"
#include "graph/units.h"
#include "predict/random_cnn.h"
#include "profile/model_hash.h"
#include "support/run_cli.h"

namespace splitinfer::predict {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSeed = 1;   // 25 units, about 1 ms on the INT8 element
constexpr double kKept = 1e-5;  // the record keeps times to 10 ns
const std::string kMachine = "test-machine";

class GroundTruth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
    dir_ = testing::make_temp_dir();
    store_ = std::make_unique<ProfileStore>(dir_ + "/p.sqlite");
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  double stored_ms(const Graph& g, int n, int e, int first, int last) const {
    const ProfileKey key{structure_hash(g), g.name, kDefaultDatasetElements[static_cast<size_t>(e)],
                         kMachine, n};
    const auto t = store_->find(key, first, last);
    EXPECT_TRUE(t) << "no row " << first << ".." << last;
    return t ? t->median_ms : 0.0;
  }
  std::string dir_;
  std::unique_ptr<ProfileStore> store_;
};

TEST_F(GroundTruth, RecordOfAMeasuredModelIsSelfConsistent) {
  EXPECT_FALSE(has_ground_truth(*store_, kSeed, kMachine, kDefaultDatasetElements));
  ProfileOptions po;
  po.reps = 1;
  po.warmup = 0;
  measure_ground_truth(*store_, kSeed, kMachine, kDefaultDatasetElements, po);
  ASSERT_TRUE(has_ground_truth(*store_, kSeed, kMachine, kDefaultDatasetElements));
  EXPECT_FALSE(has_ground_truth(*store_, kSeed, "another-machine", kDefaultDatasetElements));

  // A link with a per-byte cost, so the hand-off sizes show in the latencies.
  const Link link{"test link", 0.05, 2.0, "spec"};
  const ModelRecord r =
      ground_truth_record(*store_, kSeed, kMachine, kDefaultDatasetElements, link);
  const Graph g = random_cnn(kSeed);  // with weights, as measured
  const std::vector<Unit> units = split_units(g);
  const int n = static_cast<int>(units.size());
  ASSERT_EQ(r.units, n);
  EXPECT_EQ(r.seed, kSeed);
  EXPECT_EQ(r.name, "random_cnn_1");
  EXPECT_EQ(r.model_hash, structure_hash(g));
  EXPECT_EQ(r.reps, 1);

  ASSERT_EQ(r.graph.features.size(), static_cast<size_t>(n));
  EXPECT_EQ(r.graph.features, unit_graph(g).features);
  EXPECT_EQ(r.graph.edges.size(), static_cast<size_t>(n - 1));
  for (int e = 0; e < 2; ++e) {
    ASSERT_EQ(r.unit_ms[static_cast<size_t>(e)].size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_GT(r.unit_ms[static_cast<size_t>(e)][static_cast<size_t>(i)], 0.0);
      EXPECT_NEAR(r.unit_ms[static_cast<size_t>(e)][static_cast<size_t>(i)],
                  stored_ms(g, n, e, i, i + 1), kKept);
    }
  }

  ASSERT_EQ(r.first_ms.size(), static_cast<size_t>(n + 1));
  ASSERT_EQ(r.second_ms.size(), static_cast<size_t>(n + 1));
  ASSERT_EQ(r.handoff_bytes.size(), static_cast<size_t>(n + 1));
  ASSERT_EQ(r.latency_ms.size(), static_cast<size_t>(n + 1));
  ASSERT_EQ(r.period_ms.size(), static_cast<size_t>(n + 1));
  // Splits 0 and N: one element runs the whole model, nothing crosses.
  const double int8_alone = stored_ms(g, n, 0, 0, n), fp32_alone = stored_ms(g, n, 1, 0, n);
  EXPECT_EQ(r.first_ms[0], 0.0);
  EXPECT_NEAR(r.second_ms[0], fp32_alone, kKept);
  EXPECT_NEAR(r.latency_ms[0], fp32_alone, kKept);
  EXPECT_NEAR(r.period_ms[0], fp32_alone, kKept);
  EXPECT_EQ(r.second_ms[static_cast<size_t>(n)], 0.0);
  EXPECT_NEAR(r.first_ms[static_cast<size_t>(n)], int8_alone, kKept);
  EXPECT_NEAR(r.latency_ms[static_cast<size_t>(n)], int8_alone, kKept);
  EXPECT_EQ(r.handoff_bytes[0], 0);
  EXPECT_EQ(r.handoff_bytes[static_cast<size_t>(n)], 0);
  for (int k = 1; k < n; ++k) {
    SCOPED_TRACE("split " + std::to_string(k));
    const size_t ks = static_cast<size_t>(k);
    int64_t elements = 1;
    for (int64_t d : g.tensor(units[ks - 1].output).shape) elements *= d;
    EXPECT_EQ(r.handoff_bytes[ks], elements + 8);  // int8 codes, float32 scale, int32 zero point
    EXPECT_NEAR(r.first_ms[ks], stored_ms(g, n, 0, 0, k), kKept);
    EXPECT_NEAR(r.second_ms[ks], stored_ms(g, n, 1, k, n), kKept);
    // Direct link: the sender pays the transfer.
    const double transfer = 0.05 + static_cast<double>(elements + 8) / 2e9 * 1e3;
    EXPECT_NEAR(r.latency_ms[ks], r.first_ms[ks] + transfer + r.second_ms[ks], 3 * kKept);
    EXPECT_NEAR(r.period_ms[ks], std::max(r.first_ms[ks] + transfer, r.second_ms[ks]), 3 * kKept);
  }
  ASSERT_GE(r.best_latency_split, 0);
  ASSERT_LE(r.best_latency_split, n);
  EXPECT_EQ(r.latency_ms[static_cast<size_t>(r.best_latency_split)],
            *std::min_element(r.latency_ms.begin(), r.latency_ms.end()));
  ASSERT_GE(r.best_throughput_split, 0);
  ASSERT_LE(r.best_throughput_split, n);
  EXPECT_EQ(r.period_ms[static_cast<size_t>(r.best_throughput_split)],
            *std::min_element(r.period_ms.begin(), r.period_ms.end()));

  const Dataset d = assemble_dataset(*store_, kSeed, 1, kMachine, kDefaultDatasetElements, link);
  EXPECT_EQ(d.machine, kMachine);
  ASSERT_EQ(d.models.size(), 1u);
  EXPECT_EQ(d.models[0].latency_ms, r.latency_ms);
}

TEST_F(GroundTruth, RecordOfAModelNotInTheStoreNamesIt) {
  try {
    ground_truth_record(*store_, 2, kMachine, kDefaultDatasetElements, Link{});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("random_cnn_2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace splitinfer::predict
