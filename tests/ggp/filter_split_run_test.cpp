// A convolution split by output filters over the two real CPU elements and
// executed concurrently computes what the unsplit layer computes: exactly
// in float32, within the precision's error with INT8 or BF16 elements.
#include "ggp/filter_split_run.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "exec/cpu/cpu_features.h"

namespace splitinfer::ggp {
namespace {

TEST(FilterSplitRun, TwoCoresComputeTheUnsplitLayer) {
  for (const ConvLayer& layer : {ConvLayer{20, 20, 8, 3, 24, 1}, ConvLayer{15, 17, 5, 5, 7, 2},
                                 ConvLayer{9, 9, 16, 1, 33, 1}}) {
    const FilterSplitRun r = run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"},
                                              {layer.n / 3, layer.n - layer.n / 3}, 2);
    EXPECT_LE(r.max_relative_error, 1e-5) << layer.n;
    EXPECT_GT(r.split_ms, 0.0);
    EXPECT_GT(r.whole_ms, 0.0);
  }
}

TEST(FilterSplitRun, AnElementWithoutFiltersSitsOut) {
  const ConvLayer layer{12, 12, 4, 3, 6, 1};
  EXPECT_LE(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {0, 6}, 1).max_relative_error,
            1e-5);
}

TEST(FilterSplitRun, ReducedPrecisionElementsStayCloseToFloat32) {
  const ConvLayer layer{20, 20, 8, 3, 24, 1};
  std::vector<std::vector<std::string>> pairs{{"cpu0:int8", "cpu1:fp32"}};
  if (cpu::offers(cpu::this_cpu(), Precision::bf16)) pairs.push_back({"cpu0:int8", "cpu1:bf16"});
  for (const auto& pair : pairs) {
    const FilterSplitRun r = run_filter_split(layer, pair, {12, 12}, 2);
    EXPECT_GT(r.max_relative_error, 0.0) << pair[0] << " codes its outputs";
    EXPECT_LT(r.max_relative_error, 0.03) << pair[0] << " + " << pair[1];
  }
}

TEST(FilterSplitRun, RefusesWhatItCannotCheck) {
  const ConvLayer layer{12, 12, 4, 3, 6, 1};
  EXPECT_THROW(run_filter_split(layer, {"sim:jetson-tx2-gpu", "cpu1:fp32"}, {3, 3}, 1), Error);
  EXPECT_THROW(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {3, 4}, 1), Error);
  EXPECT_THROW(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {3}, 1), Error);
}

}  // namespace
}  // namespace splitinfer::ggp
