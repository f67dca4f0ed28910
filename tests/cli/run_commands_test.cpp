// `infer` and `profile` as a user drives them: outputs, the profile store's
// caching, and one-line errors with exit code 3 that leave no file behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "support/run_cli.h"

namespace splitinfer {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

class RunCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir();
    // Keep calibration caches out of the user's home.
    setenv("SPLITINFER_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A LeNet-5 input (1x1x32x32 float32) of `floats` values.
  std::string input(const std::string& name, size_t floats = 32 * 32) {
    std::vector<float> x(floats);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (float& v : x) v = normal(rng);
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
    return path;
  }
  std::string dir_;
};

void expect_error(const testing::CliResult& r, const std::string& fragment) {
  testing::expect_one_line_error(r, 3, fragment);
}

TEST_F(RunCommands, InferWritesTheOutputInBothPrecisions) {
  const std::string x = input("x.bin");
  for (const char* precision : {"fp32", "int8"}) {
    const std::string out = dir_ + "/y-" + precision + ".bin";
    const auto r = run_cli("infer lenet5 --input " + x + " --output " + out + " --precision " +
                           precision + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["device"], std::string("cpu0:") + precision);
    EXPECT_EQ(j["output_shape"], (std::vector<int>{1, 10}));
    EXPECT_TRUE(j["float_fallbacks"].empty()) << j.dump();
    EXPECT_EQ(fs::file_size(out), 10u * sizeof(float));
  }
}

std::vector<float> read_floats(const std::string& path) {
  std::vector<float> v(fs::file_size(path) / sizeof(float));
  std::ifstream(path, std::ios::binary)
      .read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
  return v;
}

// --equalize rescales LeNet-5's conv1 -> conv2 weights: another float32
// output, equal up to rounding; INT8 calibrates and runs on the new weights.
TEST_F(RunCommands, InferEqualizedKeepsTheFloatOutput) {
  const std::string x = input("x.bin");
  const auto infer = [&](const std::string& flags) {
    const std::string out = dir_ + "/y.bin";
    const auto r = run_cli("infer lenet5 --input " + x + " --output " + out + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_floats(out);
  };
  const std::vector<float> plain = infer("--precision fp32"),
                           equalized = infer("--precision fp32 --equalize");
  ASSERT_EQ(plain.size(), 10u);
  ASSERT_EQ(equalized.size(), 10u);
  EXPECT_NE(plain, equalized);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_NEAR(equalized[i], plain[i], 1e-4) << i;
  EXPECT_EQ(infer("--precision int8 --equalize").size(), 10u);
  const auto r =
      run_cli("infer lenet5 --input " + x + " --output " + dir_ + "/y.bin --equalize --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["equalized"]["convolutions"], 1);  // conv1 into conv2
}

// bench/overhead.py's measurement: oneDNN times the kernels of the untimed
// run before each timed one, and only those (lenet5 runs 7 in float32).
TEST_F(RunCommands, InferKernelTimesPrintsEachKernelOfTheUntimedRuns) {
  const std::string x = input("x.bin"), out = dir_ + "/y.bin";
  const auto r =
      run_cli("infer lenet5 --input " + x + " --output " + out + " --reps 3 --kernel-times --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int kernels = 0;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    kernels += line.rfind("onednn_verbose,exec,", 0) == 0;
  EXPECT_EQ(kernels, 3 * 7);
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_GT(j["run_ms_trimmed_mean_measured"].get<double>(), 0.0);
  EXPECT_GT(j["run_ms_measured"].get<double>(), 0.0);
  // Without the flag, oneDNN prints nothing.
  const auto plain = run_cli("infer lenet5 --input " + x + " --output " + out + " --reps 3");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("onednn_verbose"), std::string::npos) << plain.out;
}

// The other clock of bench/overhead.py: splitinfer's own around each library
// call of the untimed runs, nothing printed; not with --kernel-times.
TEST_F(RunCommands, InferStepTimesTimesEachLibraryCall) {
  const std::string x = input("x.bin"), out = dir_ + "/y.bin";
  const auto r =
      run_cli("infer lenet5 --input " + x + " --output " + out + " --reps 3 --step-times --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);          // nothing else on stdout
  EXPECT_EQ(j["library_calls_per_run"].get<int>(), 7);  // as oneDNN's verbose lines count them
  EXPECT_GT(j["library_calls_ms_trimmed_mean_measured"].get<double>(), 0.0);
  EXPECT_GT(j["clock_reading_ns_measured"].get<double>(), 0.0);
  const auto plain = run_cli("infer lenet5 --input " + x + " --output " + out + " --json");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(nlohmann::json::parse(plain.out).contains("library_calls_per_run"));
  EXPECT_EQ(
      run_cli("infer lenet5 --input " + x + " --output " + out + " --step-times --kernel-times")
          .exit_code,
      2);
}

TEST_F(RunCommands, InferRejectsBadInputWithoutWritingOutput) {
  const std::string out = dir_ + "/y.bin";
  expect_error(run_cli("infer lenet5 --input " + input("short.bin", 100) + " --output " + out),
               "short.bin");
  expect_error(run_cli("infer lenet5 --input " + dir_ + "/none.bin --output " + out), "none.bin");
  const std::string x = input("x.bin");
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + out + " --device gpu7:fp32"),
               "gpu7:fp32");
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + out + " --device cpu64:fp32"),
               "cpu64:fp32");
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + out + " --device cuda0:fp16"),
               "CUDA");
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + out +
                       " --device cpu0:fp32 --precision int8"),
               "contradicts");
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + out +
                       " --precision int8 --calib " + input("calib.bin", 7)),
               "calib.bin");
  EXPECT_FALSE(fs::exists(out));
  expect_error(run_cli("infer lenet5 --input " + x + " --output " + dir_ + "/no/dir/y.bin"),
               "no/dir/y.bin");
}

TEST_F(RunCommands, ProfileStoresAndReusesMeasurements) {
  const std::string db = dir_ + "/profiles.sqlite";
  const std::string args =
      "profile lenet5 --device cpu0:fp32 --reps 2 --warmup 1 --json --db " + db;
  const auto first = run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto j = nlohmann::json::parse(first.out);
  EXPECT_FALSE(j["cached"].get<bool>());
  EXPECT_EQ(j["source"], "measured");
  ASSERT_EQ(j["units"].size(), 12u);
  EXPECT_EQ(j["splits"].size(), 11u);
  for (const auto& u : j["units"]) {
    EXPECT_LE(u["p10_ms"].get<double>(), u["median_ms"].get<double>());
    EXPECT_LE(u["median_ms"].get<double>(), u["p90_ms"].get<double>());
  }
  EXPECT_GT(j["whole_model_ms"].get<double>(), 0.0);

  const auto again = run_cli(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_TRUE(k["cached"].get<bool>());
  EXPECT_EQ(k["whole_model_ms"], j["whole_model_ms"]);

  const auto forced = run_cli(args + " --force");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_FALSE(nlohmann::json::parse(forced.out)["cached"].get<bool>());
}

TEST_F(RunCommands, ProfileRefusesACorruptStoreAndLeavesItAlone) {
  const std::string db = dir_ + "/corrupt.sqlite";
  std::string noise(4096, '\0');
  std::mt19937 rng(3);
  for (char& c : noise) c = static_cast<char>(rng());
  std::ofstream(db, std::ios::binary) << noise;
  expect_error(run_cli("profile lenet5 --device cpu0:fp32 --reps 1 --db " + db), "corrupt.sqlite");
  std::ifstream in(db, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, noise);
}

TEST_F(RunCommands, ProfileImportChecksUnitsAgainstTheModel) {
  const std::string csv = dir_ + "/dpu.csv";
  std::ofstream(csv) << "kind,index,name,median_ms,p10_ms,p90_ms\nunit,0,conv1,0.5,0.4,0.6\n";
  expect_error(
      run_cli("profile lenet5 --device dpu:int8 --import " + csv + " --db " + dir_ + "/p.sqlite"),
      "dpu.csv");
}

}  // namespace
}  // namespace splitinfer
