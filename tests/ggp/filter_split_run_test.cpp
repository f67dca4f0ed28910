// A convolution split by output filters over the two real CPU elements and
// executed concurrently computes what the unsplit layer computes.
#include <gtest/gtest.h>

#include "common/error.h"
#include "ggp/filter_split_run.h"

namespace splitinfer::ggp {
namespace {

TEST(FilterSplitRun, TwoCoresComputeTheUnsplitLayer) {
  for (const ConvLayer& layer : {ConvLayer{20, 20, 8, 3, 24, 1}, ConvLayer{15, 17, 5, 5, 7, 2}, ConvLayer{9, 9, 16, 1, 33, 1}}) {
    const FilterSplitRun r = run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {layer.n / 3, layer.n - layer.n / 3}, 2);
    EXPECT_LE(r.max_relative_error, 1e-5) << layer.n;
    EXPECT_GT(r.split_ms, 0.0);
    EXPECT_GT(r.whole_ms, 0.0);
  }
}

TEST(FilterSplitRun, AnElementWithoutFiltersSitsOut) {
  const ConvLayer layer{12, 12, 4, 3, 6, 1};
  EXPECT_LE(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {0, 6}, 1).max_relative_error, 1e-5);
}

TEST(FilterSplitRun, RefusesWhatItCannotCheck) {
  const ConvLayer layer{12, 12, 4, 3, 6, 1};
  EXPECT_THROW(run_filter_split(layer, {"cpu0:int8", "cpu1:fp32"}, {3, 3}, 1), Error);
  EXPECT_THROW(run_filter_split(layer, {"sim:jetson-tx2-gpu", "cpu1:fp32"}, {3, 3}, 1), Error);
  EXPECT_THROW(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {3, 4}, 1), Error);
  EXPECT_THROW(run_filter_split(layer, {"cpu0:fp32", "cpu1:fp32"}, {3}, 1), Error);
}

}  // namespace
}  // namespace splitinfer::ggp
