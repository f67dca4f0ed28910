// BF16 elements through the commands that profile, plan and run: the
// paper's pair INT8 -> BF16 profiled, planned and run as a pipeline agrees
// with FP32.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exec/cpu/cpu_features.h"
#include "support/cli_fixture.h"

namespace splitinfer {
namespace {

class Bf16Cli : public testing::TwoCpuCliTest {
 protected:
  void SetUp() override {
    if (!cpu::offers(cpu::this_cpu(), Precision::bf16))
      GTEST_SKIP() << "this CPU has neither AVX512-BF16 nor AMX";
    TwoCpuCliTest::SetUp();
  }
};

TEST_F(Bf16Cli, Int8ThenBf16RunsAsAPipelineAndAgreesWithFp32) {
  const auto r = testing::run_cli(
      "run lenet5 --devices cpu0:int8,cpu1:bf16 --frames 20 --alone-frames 2 --reps 3 --json" +
      db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stages"][1]["element"], "cpu1:bf16");
  EXPECT_GE(j["agreement_with_fp32"]["min_sqnr_db"].get<double>(), 25.0);
  EXPECT_EQ(j["agreement_with_fp32"]["top1_agreement"].get<int>(), 8);
}

}  // namespace
}  // namespace splitinfer
