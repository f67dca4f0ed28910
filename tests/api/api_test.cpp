// The public C++ API (include/splitinfer/splitinfer.h) as a program embedding
// splitinfer sees it: this executable links libsplitinfer.so and includes
// nothing but the public headers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "splitinfer/splitinfer.h"

namespace si = splitinfer::api;

namespace {

// An isolated profile store and calibration cache for this process.
class ApiTest : public ::testing::Test {
 protected:
  static std::string cache_dir() {
    return (std::filesystem::temp_directory_path() /
            ("splitinfer_api_test_" + std::to_string(getpid())))
        .string();
  }
  static void SetUpTestSuite() {
    std::filesystem::create_directories(cache_dir());
    setenv("SPLITINFER_CACHE_DIR", cache_dir().c_str(), 1);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(cache_dir()); }

  static si::Tensor frame(const si::Model& model, uint32_t seed) {
    const std::vector<int64_t> shape = model.inspect().inputs.at(0).shape;
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    si::Tensor t{shape, std::vector<float>(static_cast<size_t>(count))};
    for (float& v : t.values) v = normal(rng);
    return t;
  }

  static si::Plan plan_of(const si::Model& model, std::vector<int> split,
                          std::string schedule = "pipeline") {
    si::PlanOptions o;
    o.devices = {"cpu0:int8", "cpu1:fp32"};
    o.split = std::move(split);
    o.schedule = std::move(schedule);
    o.profile_reps = 2;
    return model.plan(o);
  }
};

TEST_F(ApiTest, InspectDescribesTheModel) {
  const si::ModelInfo info = si::Model::load("lenet5").inspect();
  EXPECT_EQ(info.name, "lenet5");
  ASSERT_EQ(info.inputs.size(), 1u);
  EXPECT_EQ(info.inputs[0].shape, (std::vector<int64_t>{1, 1, 32, 32}));
  EXPECT_GT(info.macs, 0);
  EXPECT_GT(info.params, 0);
  ASSERT_GE(info.units.size(), 2u);
  EXPECT_EQ(info.units.back().cut_elements, 10);  // the classifier's output
}

// A split at 0 runs everything on the second element, at N everything on the
// first: the pipeline's outputs are then those of infer() on that element,
// bit for bit, frame for frame and in submission order.
TEST_F(ApiTest, PipelineOutputsEqualInferOnTheElementThatRanThem) {
  const si::Model model = si::Model::load("lenet5");
  const int units = static_cast<int>(model.inspect().units.size());
  for (const auto& [split, element] :
       std::vector<std::pair<int, std::string>>{{0, "cpu1:fp32"}, {units, "cpu0:int8"}}) {
    si::Pipeline pipeline = model.pipeline(plan_of(model, {split}));
    std::vector<std::future<si::Tensor>> results;
    for (uint32_t i = 0; i < 40; ++i) results.push_back(pipeline.submit(frame(model, i)));
    for (uint32_t i = 0; i < 40; ++i)
      EXPECT_EQ(results[i].get().values, model.infer(frame(model, i), element).values)
          << "split " << split << ", frame " << i;
    pipeline.close();
    EXPECT_EQ(pipeline.stats().frames_done, 40u);
  }
}

TEST_F(ApiTest, CallbacksComeInSubmissionOrderFromManySubmitters) {
  const si::Model model = si::Model::load("lenet5");
  si::Pipeline pipeline = model.pipeline(plan_of(model, {3}));
  std::mutex mutex;
  std::vector<uint64_t> order;
  std::vector<std::thread> submitters;
  for (int t = 0; t < 3; ++t)
    submitters.emplace_back([&, t] {
      for (uint32_t i = 0; i < 20; ++i)
        pipeline.submit(frame(model, static_cast<uint32_t>(t) * 100 + i),
                        [&](uint64_t seq, const si::Tensor&) {
                          std::lock_guard lock(mutex);
                          order.push_back(seq);
                        });
    });
  for (std::thread& s : submitters) s.join();
  pipeline.close();
  ASSERT_EQ(order.size(), 60u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  const si::Stats stats = pipeline.stats();
  EXPECT_EQ(stats.frames_submitted, 60u);
  ASSERT_EQ(stats.stages.size(), 2u);
  EXPECT_EQ(stats.stages[0].element, "cpu0:int8");
  EXPECT_EQ(stats.stages[0].frames, 60u);
  EXPECT_GT(stats.period_ms, 0.0);
  EXPECT_LE(stats.latency_ms_p50, stats.latency_ms_p99);
}

TEST_F(ApiTest, CloseDrainsTheFramesInFlightAndRefusesMore) {
  const si::Model model = si::Model::load("lenet5");
  si::Pipeline pipeline = model.pipeline(plan_of(model, {2}));
  std::vector<std::future<si::Tensor>> results;
  for (uint32_t i = 0; i < 25; ++i) results.push_back(pipeline.submit(frame(model, i)));
  pipeline.close();
  for (auto& r : results) EXPECT_EQ(r.get().values.size(), 10u);
  EXPECT_THROW(pipeline.submit(frame(model, 0)), splitinfer::Error);
  pipeline.close();  // idempotent
}

TEST_F(ApiTest, DataParallelOutputsComeFromOneOfItsElements) {
  const si::Model model = si::Model::load("lenet5");
  const si::Plan plan = plan_of(model, {}, "data-parallel");
  ASSERT_EQ(plan.schedule, "data_parallel");
  si::Pipeline pipeline = model.pipeline(plan);
  std::vector<std::future<si::Tensor>> results;
  for (uint32_t i = 0; i < 30; ++i) results.push_back(pipeline.submit(frame(model, i)));
  for (uint32_t i = 0; i < 30; ++i) {
    const std::vector<float> got = results[i].get().values;
    EXPECT_TRUE(got == model.infer(frame(model, i), "cpu0:int8").values ||
                got == model.infer(frame(model, i), "cpu1:fp32").values)
        << "frame " << i;
  }
  pipeline.close();
  ASSERT_EQ(pipeline.stats().stages.size(), 2u);
}

// A frame submitted by shared pointer is read in place: the same outputs as
// frames submitted by value (a pipeline's, or infer() on the replica's
// element under data-parallel), and the pipeline lets every frame go by the
// time close() returns.
TEST_F(ApiTest, SharedFramesGiveTheSameOutputsAndAreLetGoByClose) {
  const si::Model model = si::Model::load("lenet5");
  std::vector<std::shared_ptr<const si::Tensor>> kept;
  for (uint32_t i = 0; i < 4; ++i)
    kept.push_back(std::make_shared<const si::Tensor>(frame(model, i)));
  for (const std::string schedule : {"pipeline", "data-parallel"}) {
    const si::Plan plan =
        plan_of(model, schedule == "pipeline" ? std::vector<int>{3} : std::vector<int>{}, schedule);
    // What each kept frame may give.
    std::vector<std::vector<std::vector<float>>> allowed(kept.size());
    si::Pipeline by_value = model.pipeline(plan);
    for (size_t k = 0; k < kept.size(); ++k) {
      if (schedule == "pipeline") {
        allowed[k].push_back(by_value.submit(*kept[k]).get().values);
      } else {
        allowed[k].push_back(model.infer(*kept[k], "cpu0:int8").values);
        allowed[k].push_back(model.infer(*kept[k], "cpu1:fp32").values);
      }
    }
    by_value.close();
    si::Pipeline shared = model.pipeline(plan);
    std::vector<std::future<si::Tensor>> got;
    for (uint32_t i = 0; i < 20; ++i) got.push_back(shared.submit(kept[i % kept.size()]));
    shared.close();
    for (const auto& f : kept) EXPECT_EQ(f.use_count(), 1) << schedule;
    for (uint32_t i = 0; i < 20; ++i) {
      const std::vector<std::vector<float>>& may = allowed[i % kept.size()];
      EXPECT_NE(std::find(may.begin(), may.end(), got[i].get().values), may.end())
          << schedule << ", frame " << i;
    }
  }
  si::Pipeline pipeline = model.pipeline(plan_of(model, {2}));
  EXPECT_THROW(pipeline.submit(std::shared_ptr<const si::Tensor>()), splitinfer::Error);
}

// A callback that throws fails its stage: the frames lost get the Error, and
// close() reports it once the workers have stopped.
TEST_F(ApiTest, AFailingStageReachesEveryWaiterAndClose) {
  const si::Model model = si::Model::load("lenet5");
  si::Pipeline pipeline = model.pipeline(plan_of(model, {3}));
  pipeline.submit(frame(model, 0), [](uint64_t, const si::Tensor&) {
    throw std::runtime_error("display unplugged");
  });
  std::vector<std::future<si::Tensor>> later;
  try {
    for (uint32_t i = 1; i < 10; ++i) later.push_back(pipeline.submit(frame(model, i)));
  } catch (const splitinfer::Error& e) {
    EXPECT_NE(std::string(e.what()).find("display unplugged"), std::string::npos);
  }
  for (auto& f : later) {
    try {
      f.get();
    } catch (const splitinfer::Error& e) {
      EXPECT_EQ(e.kind(), splitinfer::ErrorKind::stage_failed);
    }
  }
  try {
    pipeline.close();
    FAIL() << "close() returned after a stage failed";
  } catch (const splitinfer::Error& e) {
    EXPECT_EQ(e.kind(), splitinfer::ErrorKind::stage_failed);
    EXPECT_NE(std::string(e.what()).find("failed on frame 0: display unplugged"), std::string::npos)
        << e.what();
  }
}

TEST_F(ApiTest, BadInputIsOneErrorNamingWhatIsWrong) {
  const si::Model model = si::Model::load("lenet5");
  si::Pipeline pipeline = model.pipeline(plan_of(model, {2}));
  try {
    pipeline.submit(si::Tensor{{1, 3, 32, 32}, std::vector<float>(3 * 32 * 32)});
    FAIL();
  } catch (const splitinfer::Error& e) {
    EXPECT_EQ(e.kind(), splitinfer::ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("1x3x32x32"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1x1x32x32"), std::string::npos) << e.what();
  }
  EXPECT_THROW(si::Model::load("no_such_model"), splitinfer::Error);
  EXPECT_THROW(si::Model::from_onnx("not a protobuf"), splitinfer::Error);
  EXPECT_THROW(model.infer(frame(model, 0), "cpu0:int4"), splitinfer::Error);
  si::PlanOptions o;
  o.devices = {"cpu0:int8", "cpu1:fp32"};
  o.split = {99};
  EXPECT_THROW(model.plan(o), splitinfer::Error);
  o.split = {};
  o.schedule = "hybrid";
  EXPECT_THROW(model.plan(o), splitinfer::Error);
  o.schedule = "auto";
  o.profile_passes = 0;
  try {
    model.plan(o);
    FAIL();
  } catch (const splitinfer::Error& e) {
    EXPECT_EQ(e.kind(), splitinfer::ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("--passes"), std::string::npos) << e.what();
  }
}

TEST_F(ApiTest, APlanOverASimulatedElementIsReadNotRun) {
  const si::Model model = si::Model::load("resnet18");
  si::PlanOptions o;
  o.devices = {"sim:vck190-dpu", "sim:rtx2080"};
  const si::Plan plan = model.plan(o);
  EXPECT_TRUE(plan.simulated);
  EXPECT_GT(plan.period_ms_predicted, 0.0);
  EXPECT_FALSE(plan.candidates.empty());
  try {
    model.pipeline(plan);
    FAIL();
  } catch (const splitinfer::Error& e) {
    EXPECT_NE(std::string(e.what()).find("simulated"), std::string::npos) << e.what();
  }
}

// The same model from an .onnx file (written by `splitinfer export`) and
// from its bytes in memory.
TEST_F(ApiTest, FromOnnxBytesEqualsTheFile) {
  const std::string path = (std::filesystem::path(getenv("SPLITINFER_CACHE_DIR")) / "lenet5.onnx");
  ASSERT_EQ(
      std::system((std::string(SPLITINFER_CLI_PATH) + " export lenet5 -o " + path + " > /dev/null")
                      .c_str()),
      0);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const si::Model from_bytes = si::Model::from_onnx(bytes, "lenet5.onnx");
  const si::Model from_file = si::Model::load(path);
  const si::Tensor x = frame(from_file, 3);
  EXPECT_EQ(from_bytes.infer(x).values, from_file.infer(x).values);
  EXPECT_EQ(from_bytes.infer(x).values, si::Model::load("lenet5").infer(x).values);
}

}  // namespace
