// Opsets 18 to 21: the same CNN written in each opset's own form (by
// tests/onnx/opset_twins.py with Debian's python3-onnx) reads to the same
// outputs as its opset-17 twin, bit for bit; what splitinfer still cannot
// read (Pad's axes input, opset 22) is one error naming it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "common/error.h"
#include "exec/backend.h"
#include "graph/graph.h"
#include "onnx/onnx_import.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

class NewerOpsets : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import onnx, numpy' > /dev/null 2>&1") != 0)
      GTEST_SKIP() << "python3-onnx or python3-numpy is missing";
    dir_ = testing::make_temp_dir();
    ASSERT_EQ(
        std::system(("/usr/bin/python3 " SPLITINFER_SOURCE_DIR "/tests/onnx/opset_twins.py " + dir_)
                        .c_str()),
        0);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::vector<float> run(int opset) const {
    const Graph graph = import_onnx_file(dir_ + "/twin" + std::to_string(opset) + ".onnx");
    const auto backend = make_backend("cpu0:fp32");
    const auto partition = backend->compile(whole_model(graph, nullptr));
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    std::vector<float> x(3 * 16 * 16);
    for (float& v : x) v = normal(rng);
    return partition->run(Handoff::from_floats({1, 3, 16, 16}, x)).to_floats();
  }

  std::string dir_;
};

TEST_F(NewerOpsets, EachReadsToItsOpset17TwinsOutputs) {
  const std::vector<float> want = run(17);
  ASSERT_EQ(want.size(), 5u);
  for (int opset : {18, 19, 20, 21}) EXPECT_EQ(run(opset), want) << "opset " << opset;
}

TEST_F(NewerOpsets, WhatCannotBeReadIsOneErrorNamingIt) {
  try {
    import_onnx_file(dir_ + "/pad_axes18.onnx");
    FAIL() << "Pad with axes was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("'pad_hw' (Pad)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'axes' input"), std::string::npos) << e.what();
  }
  try {
    import_onnx_file(dir_ + "/twin22.onnx");
    FAIL() << "opset 22 was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opset 22"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("7 to 21"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace splitinfer
