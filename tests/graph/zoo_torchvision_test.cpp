// The zoo computes what torchvision computes: `splitinfer export MODEL --seed
// S` writes weights under torchvision's state_dict names, which load strictly
// into torchvision.models.MODEL() (tests/fixtures/torchvision_agreement.py),
// and `splitinfer infer MODEL --seed S` in FP32 gives PyTorch's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "support/run_cli.h"

namespace splitinfer {
namespace {

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()),
          static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

TEST(ZooTorchvision, Fp32OutputsMatchTorchvisionOnTheSameWeights) {
  if (std::system("/usr/bin/python3 -c 'import numpy, torch, torchvision, onnx' >/dev/null 2>&1") !=
      0)
    GTEST_SKIP() << "python3-torch, python3-torchvision or python3-onnx missing";
  const std::string dir = testing::make_temp_dir();
  const std::vector<std::string> models = {"mobilenet_v3_small", "mobilenet_v3_large",
                                           "mobilenet_v2", "resnet18"};
  std::mt19937 rng(2024);
  std::normal_distribution<float> normal;
  std::string names;
  for (const std::string& m : models) {
    const std::string base = dir + "/" + m;
    std::vector<float> x(3 * 224 * 224);
    for (float& v : x) v = normal(rng);
    std::ofstream(base + ".in.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
    const auto exported = testing::run_cli("export " + m + " --seed 5 -o " + base + ".onnx");
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    const auto inferred = testing::run_cli("infer " + m + " --seed 5 --precision fp32 --input " +
                                           base + ".in.bin --output " + base + ".out.bin");
    ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
    names += " " + m;
  }
  const std::string command = "/usr/bin/python3 " SPLITINFER_SOURCE_DIR
                              "/tests/fixtures/torchvision_agreement.py " +
                              dir + names + " >" + dir + "/log 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log_file(dir + "/log");
  const std::string log((std::istreambuf_iterator<char>(log_file)), {});
  ASSERT_EQ(status, 0) << log;

  for (const std::string& m : models) {
    SCOPED_TRACE(m);
    const std::vector<float> ours = read_floats(dir + "/" + m + ".out.bin");
    const std::vector<float> torch = read_floats(dir + "/" + m + ".torch.bin");
    ASSERT_EQ(ours.size(), 1000u);
    ASSERT_EQ(torch.size(), 1000u);
    float max_diff = 0.0f, max_ref = 0.0f;
    for (size_t i = 0; i < ours.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(ours[i] - torch[i]));
      max_ref = std::max(max_ref, std::abs(torch[i]));
    }
    EXPECT_GT(max_ref, 0.0f);
    EXPECT_LE(max_diff, 1e-4f * max_ref)
        << "max |diff| " << max_diff << ", max |torch| " << max_ref;
    EXPECT_EQ(std::max_element(ours.begin(), ours.end()) - ours.begin(),
              std::max_element(torch.begin(), torch.end()) - torch.begin());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace splitinfer
