// The validation of the simulated pair against the paper's Table 1: each
// criterion counted per model as stated (faster device, split within +-3 in
// both configurations, all four speedups within 20%), for each pricing.
#include "report/sim_validation.h"

#include <gtest/gtest.h>

namespace splitinfer {
namespace {

SplitResult result(int split, double over_first, double over_second) {
  return {split, over_first, over_second, 1.0, "simulated"};
}

Table1Row row(const std::string& model, const SimulatedResult& left_out) {
  Table1Row r;
  r.model = model;
  // The paper: the first element (DPU) faster alone, split 10 and 12.
  r.paper_direct = SplitResult{10, 1.25, 2.0, 0.0, "published"};
  r.paper_indirect = SplitResult{12, 1.2, 2.0, 0.0, "published"};
  r.sim_left_out = left_out;
  r.sim_fitted = left_out;
  return r;
}

Table1 sample() {
  Table1 t;
  t.sim_elements = {"sim:dpu", "sim:gpu"};
  t.sim_fit_sources = {"sim:dpu, resnet18, 1 ms: a model zoo"};
  // Everything agrees: same faster device, splits 13 and 9 (3 away), speedups within 20%.
  t.rows.push_back(row("close", {result(13, 1.45, 2.3), result(9, 1.0, 1.65)}));
  // The second element faster (the speedup over it is the smaller); a split 4 away.
  t.rows.push_back(row("far", {result(10, 2.0, 1.25), result(16, 2.0, 1.2)}));
  // Same device and splits, one speedup 21% over the paper's.
  t.rows.push_back(row("fast", {result(10, 1.25, 2.42), result(12, 1.2, 2.0)}));
  // No simulated figures: not counted.
  t.rows.push_back(row("missing", {}));
  return t;
}

TEST(SimValidation, CountsEachCriterionPerModel) {
  const nlohmann::json j = sim_validation_json(sample());
  EXPECT_EQ(j["left_out"]["models"], 3);
  EXPECT_EQ(j["left_out"]["faster_device_agrees"], 2);
  EXPECT_EQ(j["left_out"]["split_within_3"], 2);
  EXPECT_EQ(j["left_out"]["speedups_within_20_percent"], 1);
  EXPECT_EQ(j["fitted"]["models"], 3);
  EXPECT_EQ(j["spec"]["models"], 0);  // the sample priced nothing by the spec
}

TEST(SimValidation, MarkdownShowsPaperAndSimulatedSideBySideWithTheSources) {
  const std::string md = sim_validation_markdown(sample());
  EXPECT_NE(md.find("### Validation against the paper's Table 1"), std::string::npos) << md;
  EXPECT_NE(md.find("| close | DPU / sim:dpu | 10 / 13 | 12 / 9 | 1.25x / 1.45x |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| far | DPU / sim:gpu |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| missing |"), std::string::npos) << md;
  EXPECT_NE(md.find("| fitted, leaving the model's own published times out | 2 of 3 | 2 of 3 | "
                    "1 of 3 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- sim:dpu, resnet18, 1 ms: a model zoo"), std::string::npos) << md;
}

TEST(SimValidation, NothingToValidateGivesNoSection) {
  Table1 t = sample();
  for (Table1Row& r : t.rows) r.sim_left_out = {};
  EXPECT_EQ(sim_validation_markdown(t), "");
}

}  // namespace
}  // namespace splitinfer
